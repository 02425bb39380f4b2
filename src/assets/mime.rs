//! File extension → MIME type for `data:` URIs: a table of what web pages embed (images,
//! fonts, styles, scripts), instead of a crate with every type in the world.

/// Types by lower-case extension; text types carry their charset.
const TYPES: &[(&str, &str)] = &[
    ("apng", "image/apng"),
    ("avif", "image/avif"),
    ("bmp", "image/bmp"),
    ("css", "text/css;charset=utf-8"),
    ("cur", "image/x-icon"),
    ("eot", "application/vnd.ms-fontobject"),
    ("gif", "image/gif"),
    ("htm", "text/html;charset=utf-8"),
    ("html", "text/html;charset=utf-8"),
    ("ico", "image/x-icon"),
    ("jpeg", "image/jpeg"),
    ("jpg", "image/jpeg"),
    ("js", "text/javascript;charset=utf-8"),
    ("json", "application/json"),
    ("mjs", "text/javascript;charset=utf-8"),
    ("mp3", "audio/mpeg"),
    ("mp4", "video/mp4"),
    ("oga", "audio/ogg"),
    ("ogg", "audio/ogg"),
    ("ogv", "video/ogg"),
    ("otf", "font/otf"),
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("svg", "image/svg+xml"),
    ("ttf", "font/ttf"),
    ("txt", "text/plain;charset=utf-8"),
    ("wasm", "application/wasm"),
    ("wav", "audio/wav"),
    ("webm", "video/webm"),
    ("webmanifest", "application/manifest+json"),
    ("webp", "image/webp"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("xml", "application/xml"),
];

/// Fallback for extensions not in the table.
pub const UNKNOWN: &str = "application/octet-stream";

/// The MIME type of a file, by its extension (case-insensitive).
pub fn of(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((_, ext)) = name.rsplit_once('.') else {
        return UNKNOWN;
    };
    let ext = ext.to_ascii_lowercase();
    TYPES
        .binary_search_by(|(e, _)| (*e).cmp(ext.as_str()))
        .map_or(UNKNOWN, |i| TYPES[i].1)
}

/// Whether a type is a style sheet (its `url(...)`s get inlined too).
pub fn is_css(mime: &str) -> bool {
    mime.starts_with("text/css")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(TYPES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn by_extension() {
        assert_eq!(of("img/logo.PNG"), "image/png");
        assert_eq!(of("fonts/x.woff2"), "font/woff2");
        assert_eq!(of("a.b/icon.svg"), "image/svg+xml");
        assert_eq!(of("css/site.55e7cbb9ba48.css"), "text/css;charset=utf-8");
        assert_eq!(of("noext"), UNKNOWN);
        assert_eq!(of("dir.d/noext"), UNKNOWN);
    }
}
