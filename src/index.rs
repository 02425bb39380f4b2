//! Delivered files → `downpage.json` (`DOWNPAGE_INDEX`): every file with its size and
//! SHA-256, in path order, for checking an upload. Pure and reproducible (no time, no host).

use serde_json::{Value, json};

use crate::sha256;

/// The index's file name, at the top of the output.
pub const INDEX_NAME: &str = "downpage.json";

/// The index of `files` (path, bytes), sorted by path, pretty-printed with a final newline.
pub fn index<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    let mut files: Vec<(&str, &[u8])> = files.into_iter().collect();
    files.sort_by(|a, b| a.0.cmp(b.0));
    let list: Vec<Value> = files
        .iter()
        .map(|(path, bytes)| json!({"path": path, "size": bytes.len(), "sha256": sha256::hex(bytes)}))
        .collect();
    let mut out = serde_json::to_vec_pretty(&json!({ "files": list }))
        .expect("a JSON value always serialises");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_files_sorted_with_size_and_sha256() {
        let text = index([("b.html", &b"abc"[..]), ("a.html", &b""[..])]);
        let v: Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(v["files"][0]["path"], "a.html");
        assert_eq!(v["files"][0]["size"], 0);
        assert_eq!(
            v["files"][1]["sha256"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(text.ends_with(b"}\n"));
    }
}
