//! Every relative link in the repository's Markdown (README.md, SECURITY.md, docs/, the
//! chart's README, …) leads to a file that exists, and every `#anchor` to a heading of its
//! file, slugged as GitHub does. The reference moved into docs/; this keeps its links true.

use std::fs;
use std::path::{Path, PathBuf};

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            if !name.starts_with('.')
                && !["target", "node_modules", "snapshots"].contains(&name.as_str())
            {
                markdown_files(&path, out);
            }
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

/// The lines outside code fences, with inline code spans blanked out.
fn prose(text: &str) -> Vec<String> {
    let mut fence = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        let mut out = String::new();
        let mut code = false;
        for c in line.chars() {
            if c == '`' {
                code = !code;
            } else if !code {
                out.push(c);
            }
        }
        lines.push(out);
    }
    lines
}

/// GitHub's heading anchors: lower case, punctuation dropped except `-` and `_`, spaces to
/// `-`, and `-1`, `-2` … after repeats.
fn anchors(text: &str) -> Vec<String> {
    let mut fence = false;
    let mut seen: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        }
        if fence || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                '-' | '_' => Some(c),
                c if c.is_alphanumeric() => Some(c),
                _ => None,
            })
            .collect();
        let n = seen
            .iter()
            .filter(|s| **s == slug || s.starts_with(&format!("{slug}-")))
            .count();
        seen.push(if n == 0 {
            slug.clone()
        } else {
            format!("{slug}-{n}")
        });
    }
    seen
}

/// The targets of `[text](target)` and `![alt](target)` links on a line.
fn targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        let target = after[..end]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_owned();
        out.push(target);
        rest = &after[end..];
    }
    out
}

#[test]
fn relative_links_and_anchors_in_the_docs_lead_somewhere() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    markdown_files(root, &mut files);
    files.sort();
    assert!(
        files.iter().any(|f| f.ends_with("docs/configuration.md")),
        "{files:?}"
    );
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        let rel = file.strip_prefix(root).unwrap().display().to_string();
        for (n, line) in prose(&text).iter().enumerate() {
            for target in targets(line) {
                if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
                let dest = if path.is_empty() {
                    file.clone()
                } else {
                    file.parent().unwrap().join(path)
                };
                if !dest.exists() {
                    broken.push(format!("{rel}:{}: {target}: no such file", n + 1));
                    continue;
                }
                if !anchor.is_empty() {
                    let known = if dest.extension().is_some_and(|e| e == "md") {
                        anchors(&fs::read_to_string(&dest).unwrap())
                    } else {
                        Vec::new()
                    };
                    if !known.iter().any(|a| a == anchor) {
                        broken.push(format!("{rel}:{}: {target}: no heading #{anchor}", n + 1));
                    }
                }
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} links found: is the parser broken?"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_are_slugged_as_github_does() {
    assert_eq!(
        anchors(
            "# Ready file and `downpage health`\n## Static assets: hashed URLs and self-contained pages\n## Ready file and `downpage health`\n"
        ),
        [
            "ready-file-and-downpage-health",
            "static-assets-hashed-urls-and-self-contained-pages",
            "ready-file-and-downpage-health-1"
        ]
    );
    assert_eq!(
        targets("see [a](docs/a.md#x) and ![b](b.png \"t\")"),
        ["docs/a.md#x", "b.png"]
    );
}

/// The README is the way in: every page of docs/ is linked from it.
#[test]
fn every_docs_page_is_linked_from_the_readme() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let linked: Vec<String> = prose(&readme).iter().flat_map(|l| targets(l)).collect();
    for entry in fs::read_dir(root.join("docs")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            assert!(
                linked
                    .iter()
                    .any(|t| t.split('#').next() == Some(&format!("docs/{name}"))),
                "docs/{name} is not linked from README.md: add it to the Documentation table"
            );
        }
    }
}
