//! Static assets: the manifest the assets stage wrote, the store that reads the static root
//! (created at the edge, read lazily by render) and the template functions over it. Turning
//! files into `data:` URIs and CSS text lives with the self-contained pages
//! ([`crate::self_contained::inline`]).

pub mod base64;
pub mod functions;
pub mod manifest;
pub mod mime;
pub mod store;
pub mod url;

pub use store::AssetStore;
