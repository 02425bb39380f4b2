//! The run report: the one line a render or check pass logs, as text with the numbers as
//! JSON fields.

use std::time::Instant;

use crate::config::{Config, Tarball};
use crate::log::Line;
use crate::sink::Summary;
use crate::sink::file::Written;

/// The line a render or check pass logs: text, and the numbers as JSON fields.
pub fn report(
    config: &Config,
    check: bool,
    count: usize,
    summary: &Summary,
    started: Instant,
) -> Line {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let plural = if count == 1 { "page" } else { "pages" };
    let tarball = config.tarball().map(|t| match t {
        Tarball::Stdout => "stdout".to_string(),
        Tarball::File(p) => p.display().to_string(),
    });
    let fields = |line: Line| {
        line.with("pages", count)
            .with("bytes", summary.bytes)
            .with(
                "output",
                config.output_dir().map(|d| d.display().to_string()),
            )
            .with("tarball", tarball.clone())
            .with("ms", (ms * 10.0).round() / 10.0)
    };
    if check {
        let mut places: Vec<String> = config
            .output_dir()
            .into_iter()
            .map(|d| d.display().to_string())
            .collect();
        places.extend(tarball.as_ref().map(|t| format!("tarball {t}")));
        return fields(Line::info(
            "check",
            format!(
                "check ok: {count} {plural} ({} bytes) would be written to {}, in {ms:.1} ms",
                summary.bytes,
                places.join(" and ")
            ),
        ));
    }
    let mut parts = Vec::new();
    if let Some(dir) = config.output_dir() {
        let files = summary.written + summary.unchanged;
        let files = if files == count {
            String::new()
        } else {
            format!("{files} files, ")
        };
        let removed = if summary.removed.is_empty() {
            String::new()
        } else {
            format!(", removed {}", summary.removed.join(" "))
        };
        parts.push(format!(
            "({files}{} changed, {} unchanged{removed}, {} bytes) to {}",
            summary.written,
            summary.unchanged,
            summary.bytes,
            dir.display()
        ));
    }
    if let (Some(t), Some((bytes, written))) = (&tarball, summary.archive) {
        let same = if written == Written::Unchanged {
            ", unchanged"
        } else {
            ""
        };
        parts.push(format!("to tarball {t} ({bytes} bytes{same})"));
    }
    if let (Some(nginx), Some(written)) = (&config.nginx, summary.snippet) {
        let same = if written == Written::Unchanged {
            " (unchanged)"
        } else {
            ""
        };
        parts.push(format!("nginx snippet to {}{same}", nginx.conf.display()));
    }
    fields(
        Line::info(
            "render",
            format!("wrote {count} {plural} {} in {ms:.1} ms", parts.join(", ")),
        )
        .with("written", summary.written)
        .with("unchanged", summary.unchanged)
        .with("removed", summary.removed.clone()),
    )
}
