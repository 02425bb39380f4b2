//! Delivered files → `downpage.json` (`DOWNPAGE_INDEX`): every file with its size and
//! SHA-256, in path order, for checking an upload. Pure and reproducible (no time, no host).
//! Written by hand (a fixed shape, one file per line, one escaper) rather than through
//! serde_json's pretty printer, which lays each file over five lines and makes the release
//! binary 440 bytes larger (2,942,704 vs 2,942,264 bytes, measured for issue 16).

use std::fmt::Write;

use crate::sha256;

/// The index's file name, at the top of the output.
pub const INDEX_NAME: &str = "downpage.json";

#[cfg(test)]
/// The index of `files` (path, bytes), sorted by path, with a final newline:
/// `{"files": [{"path": …, "size": …, "sha256": …}, …]}`, one file per line.
pub fn index<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    render(files.into_iter().map(|(p, b)| Entry::of(p, b)).collect())
}

/// What the index says of one file: kept instead of the file's bytes until the index is
/// written.
#[derive(Debug, Clone)]
pub struct Entry {
    path: String,
    size: usize,
    sha256: String,
}

impl Entry {
    pub fn of(path: &str, bytes: &[u8]) -> Entry {
        Entry {
            path: path.to_string(),
            size: bytes.len(),
            sha256: sha256::hex(bytes),
        }
    }
}

/// The index of `files`, as [`index`].
pub fn render(mut files: Vec<Entry>) -> Vec<u8> {
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    let mut out = String::from("{\n  \"files\": [");
    for (i, f) in files.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(
            out,
            "{sep}\n    {{\"path\": {}, \"size\": {}, \"sha256\": \"{}\"}}",
            json_string(&f.path),
            f.size,
            f.sha256
        );
    }
    out.push_str(if files.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    out.into_bytes()
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn lists_files_sorted_with_size_and_sha256() {
        let text = index([("b.html", &b"abc"[..]), ("a \"q\"\\\n.html", &b""[..])]);
        let v: Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(v["files"][0]["path"], "a \"q\"\\\n.html");
        assert_eq!(v["files"][0]["size"], 0);
        assert_eq!(
            v["files"][1]["sha256"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(String::from_utf8(text).unwrap().ends_with(
            "\"size\": 3, \"sha256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"}\n  ]\n}\n"
        ));
        let empty: Value = serde_json::from_slice(&index([])).unwrap();
        assert_eq!(empty["files"].as_array().unwrap().len(), 0);
    }
}
