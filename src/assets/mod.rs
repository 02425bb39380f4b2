//! Static assets: the manifest the assets stage wrote, the store that reads the static root
//! (created at the edge, read lazily by render), the template functions over it, and the
//! inlining of files as `data:` URIs and CSS text.

pub mod base64;
pub mod css;
pub mod functions;
pub mod inline;
pub mod manifest;
pub mod mime;
pub mod store;
pub mod url;

pub use store::AssetStore;
