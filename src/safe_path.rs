//! Destination paths that cannot leave the output folder: relative, no `..`, no empty or
//! `.` parts, no NUL, bounded length. Symlinks are checked where the files are written
//! (`sink::dir`), since only the file system knows them.

use anyhow::{Result, bail};

/// Longest accepted destination, in bytes (Linux's PATH_MAX is 4096 for the whole path).
pub const MAX_DEST_BYTES: usize = 1024;
/// Longest file or folder name, in bytes (NAME_MAX on Linux file systems).
pub const MAX_NAME_BYTES: usize = 255;
/// Names starting with this are downpage's own temporary files.
pub const TEMP_PREFIX: &str = ".downpage-tmp-";

/// What is wrong with a relative path given by a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Empty,
    Nul,
    Absolute,
    /// A `..` part: it would leave the folder.
    Parent,
}

/// The one check of a relative path given by a user (a destination, a static file name):
/// not empty, no NUL, not absolute, no `..` part (`/` or `\\` separated). Each caller words
/// the problem for its path.
pub fn relative_problem(path: &str) -> Option<Problem> {
    if path.is_empty() {
        Some(Problem::Empty)
    } else if path.contains('\0') {
        Some(Problem::Nul)
    } else if path.starts_with(['/', '\\']) {
        Some(Problem::Absolute)
    } else if path.split(['/', '\\']).any(|p| p == "..") {
        Some(Problem::Parent)
    } else {
        None
    }
}

/// Checks a destination and returns it normalised (`./a//b.html` → `a/b.html`).
pub fn check_dest(dest: &str) -> Result<String> {
    let fix = "use a relative path inside the output folder, like 502.html or errors/502.html";
    let problem = relative_problem(dest);
    match problem {
        Some(Problem::Empty) => bail!("destination is empty: {fix}"),
        Some(Problem::Nul) => bail!("destination {dest:?} contains a NUL byte: {fix}"),
        _ => {}
    }
    if dest.len() > MAX_DEST_BYTES {
        bail!(
            "destination is {} bytes long (at most {MAX_DEST_BYTES}): {fix}",
            dest.len()
        );
    }
    if dest.starts_with('/') {
        bail!("destination \"{dest}\" is an absolute path: {fix}");
    }
    if dest.contains('\\') {
        bail!("destination \"{dest}\" contains a backslash: {fix}");
    }
    if problem == Some(Problem::Parent) {
        bail!("destination \"{dest}\" contains \"..\": {fix}");
    }
    let mut parts = Vec::new();
    for part in dest.split('/') {
        match part {
            "" | "." => {}
            p if p.len() > MAX_NAME_BYTES => {
                bail!("destination \"{dest}\" has a name longer than {MAX_NAME_BYTES} bytes: {fix}")
            }
            p if p.starts_with(TEMP_PREFIX) => {
                bail!("destination \"{dest}\" uses the reserved prefix {TEMP_PREFIX}: rename it")
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        bail!("destination \"{dest}\" names no file: {fix}");
    }
    if dest.ends_with('/') {
        bail!("destination \"{dest}\" ends with /, so names a folder: add a file name");
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_good_paths() {
        assert_eq!(check_dest("502.html").unwrap(), "502.html");
        assert_eq!(
            check_dest("./errors//de/502.html").unwrap(),
            "errors/de/502.html"
        );
    }

    #[test]
    fn refuses_escapes_and_junk() {
        for (bad, why) in [
            ("", "empty"),
            ("/etc/passwd", "absolute"),
            ("../x.html", "\"..\""),
            ("a/../../x.html", "\"..\""),
            ("a\0b", "NUL"),
            ("a\\b", "backslash"),
            ("./", "names no file"),
            ("a/", "ends with /"),
            (".downpage-tmp-1", "reserved"),
        ] {
            let e = check_dest(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        assert!(check_dest(&"a".repeat(256)).is_err());
        assert!(check_dest(&"a/".repeat(600)).is_err());
    }
}
