//! downpage renders a site's own Tera templates into static error pages for nginx.
//!
//! Data flows one way: environment → [`config`](Config) → plan → render → sink, driven by
//! the pipeline, once (`downpage`, `downpage check`) or on every change (watch mode). Only
//! `config` reads variables, only the sinks write files, and only `main` and watch mode print.
//! The API is [`run`] and [`Config::from_vars`]; [`internal`] is for the tests and the fuzzer.
//! README "Architecture" lists the files in the order data flows through them.

// The command line and the one pass.
mod cli;
mod pipeline;
mod report;
mod watch;

// Environment → configuration.
mod catalog;
mod config;
mod language;
mod suggest;
mod vars;

// Inputs: the page list, the template folders, the static files, and watching them.
mod assets;
mod inputs;
mod pages;
mod safe_path;
mod template_dirs;

// Plan and render (pure given the inputs).
mod dialect;
mod gettext;
mod parse_guard;
mod plan;
mod prerendered;
mod render;
mod self_contained;
mod site_languages;
mod template_loops;
mod templates;
mod theme;

// Outputs.
mod accept_language;
mod gzip;
mod hash;
mod health;
mod index;
mod log;
mod nginx;
mod sha256;
mod sink;
mod stop;
mod targets;

pub use cli::{Outcome, run};
pub use config::{Config, LogFormat};
pub use log::Line;

/// NOT API: what the integration tests and the fuzzer (`fuzz/`) reach inside the crate.
/// Anything here may change at any time.
#[doc(hidden)]
pub mod internal {
    pub mod assets {
        pub use crate::assets::*;
    }
    pub mod config {
        pub use crate::config::*;
    }
    pub mod dialect {
        pub use crate::dialect::*;
    }
    pub mod gettext {
        pub use crate::gettext::*;
    }
    pub mod pages {
        pub use crate::pages::*;
    }
    pub mod pipeline {
        pub use crate::pipeline::*;
    }
    pub mod plan {
        pub use crate::plan::*;
    }
    pub mod render {
        pub use crate::render::*;
    }
    pub mod safe_path {
        pub use crate::safe_path::*;
    }
    pub mod self_contained {
        pub use crate::self_contained::*;
    }
    pub mod sink {
        pub use crate::sink::*;
    }
    pub mod template_dirs {
        pub use crate::template_dirs::*;
    }
    pub mod template_loops {
        pub use crate::template_loops::*;
    }
    pub mod templates {
        pub use crate::templates::*;
    }
    pub mod vars {
        pub use crate::vars::*;
    }
}
