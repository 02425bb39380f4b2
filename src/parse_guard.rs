//! Site templates → checked before the real compile (in `templates`), for the two ways a
//! template breaks Tera itself rather than failing with an error: block tags nested
//! thousands deep (Tera's recursive parser and renderer overflow the stack and abort), and
//! tags on which Tera's grammar backtracks exponentially (150 bytes such as
//! `{{ a(n=b(n=c(n=d(n=e(n=f(n=x )( }}` take minutes), so one typo or hostile file cannot
//! crash or hang a run (or a watch loop). Other parse errors are left to the real compile,
//! which explains them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::{Result, bail};

use crate::template_dirs::Source;

/// How deep block tags (`if`, `for`, `block`, `macro`, `filter`) may nest in one template.
/// Real templates nest a handful of levels; Tera overflows the stack at a few thousand.
pub const MAX_NESTING: usize = 200;

/// How many operators one `{{ }}` or `{% %}` tag may hold: Tera parses and evaluates
/// `1 + 1 + …` recursively, and overflows the stack at a couple of thousand.
pub const MAX_OPERATORS: usize = 300;

/// How long parsing every site template may take, together (the pipeline's limit; tests
/// pass a shorter one to [`check`]).
pub const PARSE_LIMIT: Duration = Duration::from_secs(10);

/// Set while a parse that overran its limit still runs: it cannot be stopped, so later
/// attempts (watch mode) refuse at once instead of piling up busy threads.
static HUNG: AtomicBool = AtomicBool::new(false);

/// Parses every source on a helper thread; fails naming the template when the parse does not
/// end within `limit` ([`PARSE_LIMIT`] in a run).
pub fn check(sources: &[Source], limit: Duration) -> Result<()> {
    check_with(sources, limit, &HUNG)
}

fn check_with(sources: &[Source], limit: Duration, hung: &'static AtomicBool) -> Result<()> {
    const FIX: &str = "look for a {{ }} or {% %} tag with unbalanced parentheses or quotes (Tera's parser slows down exponentially on them)";
    for source in sources {
        check_nesting(source)?;
    }
    if hung.load(Ordering::SeqCst) {
        bail!(
            "an earlier template parse overran {limit:?} and is still running: {FIX}, then restart downpage"
        );
    }
    let texts: Vec<(String, String)> = sources
        .iter()
        .map(|s| (s.name.clone(), s.text.clone()))
        .collect();
    let current = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    let shared = Arc::clone(&current);
    std::thread::Builder::new()
        .name("template-parse".into())
        .stack_size(16 << 20)
        .spawn(move || {
            for (name, text) in texts {
                shared
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone_from(&name);
                let _ = tera::Template::new(&name, None, &text);
            }
            let _ = tx.send(());
        })
        .map_err(|e| anyhow::anyhow!("starting the template parse: {e}"))?;
    match rx.recv_timeout(limit) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => Ok(()),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            hung.store(true, Ordering::SeqCst);
            let name = current
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            let path = sources
                .iter()
                .find(|s| s.name == name)
                .map_or_else(String::new, |s| format!(" ({})", s.path.display()));
            bail!("template {name}{path} did not finish parsing in {limit:?}: {FIX}")
        }
    }
}

/// Refuses block tags nested deeper than [`MAX_NESTING`], naming the template and line.
/// Counts `{% if/for/block/macro/filter %}` against `{% end... %}`, skipping comments and
/// `{% raw %}` sections; an approximation, but one that errs only on absurd templates.
fn check_nesting(source: &Source) -> Result<()> {
    let text = source.text.as_str();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(found) = text[at..].find(['{']).map(|i| at + i) {
        let rest = &text[found..];
        if rest.starts_with("{#") {
            at = rest.find("#}").map_or(text.len(), |i| found + i + 2);
            continue;
        }
        if rest.starts_with("{{") {
            let end = rest.find("}}").map_or(text.len(), |i| found + i + 2);
            check_operators(source, text, found, &text[found + 2..end.max(found + 2)])?;
            at = end;
            continue;
        }
        if !rest.starts_with("{%") {
            at = found + 1;
            continue;
        }
        let end = rest.find("%}").map_or(text.len(), |i| found + i + 2);
        let tag =
            text[found + 2..end.min(text.len())].trim_start_matches(['-', ' ', '\t', '\n', '\r']);
        check_operators(source, text, found, tag)?;
        let word = tag
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .next()
            .unwrap_or("");
        match word {
            "raw" => {
                at = text[end..]
                    .find("endraw")
                    .map_or(text.len(), |i| end + i + "endraw".len());
                continue;
            }
            "if" | "for" | "block" | "macro" | "filter" => {
                depth += 1;
                if depth > MAX_NESTING {
                    let line = text[..found].matches('\n').count() + 1;
                    bail!(
                        "template {} ({}) nests block tags more than {MAX_NESTING} deep (line {line}): flatten it, e.g. with macros or includes",
                        source.name,
                        source.path.display()
                    );
                }
            }
            w if w.starts_with("end") => depth = depth.saturating_sub(1),
            _ => {}
        }
        at = end;
    }
    Ok(())
}

/// Refuses a tag with more than [`MAX_OPERATORS`] operators (counted roughly: operator
/// characters and the words `and`, `or`, `not`, `in`).
fn check_operators(source: &Source, text: &str, at: usize, tag: &str) -> Result<()> {
    let symbols = tag
        .bytes()
        .filter(|b| {
            matches!(
                b,
                b'+' | b'-' | b'*' | b'/' | b'%' | b'~' | b'<' | b'>' | b'=' | b'!'
            )
        })
        .count();
    let words = tag
        .split_ascii_whitespace()
        .filter(|w| matches!(*w, "and" | "or" | "not" | "in"))
        .count();
    if symbols + words > MAX_OPERATORS {
        let line = text[..at].matches('\n').count() + 1;
        bail!(
            "template {} ({}) has a tag with more than {MAX_OPERATORS} operators (line {line}): split the expression with {{% set %}}",
            source.name,
            source.path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn src(text: &str) -> Source {
        Source {
            name: "p.html".into(),
            path: PathBuf::from("t/p.html"),
            text: text.into(),
        }
    }

    #[test]
    fn a_parse_over_its_limit_is_stopped_and_later_ones_refused() {
        // Found by the template fuzzer: Tera's parser backtracks exponentially on unclosed
        // calls (this one takes minutes); tests/hostile.rs runs it with the real 10 s limit.
        static HUNG_HERE: AtomicBool = AtomicBool::new(false);
        let slow = format!(
            "{{{{ {}EEnEEe)( | safe }}}}",
            "node(n=itemEEEEEEonWe(n=item".repeat(7)
        );
        let limit = Duration::from_millis(50);
        let e = check_with(&[src(&slow)], limit, &HUNG_HERE)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("template p.html (t/p.html) did not finish parsing in 50ms: look for"),
            "{e}"
        );
        let e = check_with(&[src("fine")], limit, &HUNG_HERE)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("an earlier template parse overran 50ms"),
            "{e}"
        );
        static FRESH: AtomicBool = AtomicBool::new(false);
        check_with(&[src("{{ fine }}")], limit, &FRESH).unwrap();
    }

    #[test]
    fn nesting_is_counted_by_block_tags_and_ends() {
        let ok = "{% if a %}{% for x in l %}{%- block b -%}{% endblock %}{% endfor %}{% endif %}"
            .repeat(500);
        check_nesting(&src(&ok)).unwrap();
        let deep = format!(
            "{}x{}",
            "{% if a %}\n".repeat(201),
            "{% endif %}".repeat(201)
        );
        let e = check_nesting(&src(&deep)).unwrap_err().to_string();
        assert_eq!(
            e,
            "template p.html (t/p.html) nests block tags more than 200 deep (line 201): flatten it, e.g. with macros or includes"
        );
        let hidden = format!(
            "{{# {} #}}{{% raw %}}{}{{% endraw %}}",
            "{% if a %}".repeat(300),
            "{% for a in b %}".repeat(300)
        );
        check_nesting(&src(&hidden)).unwrap();
    }

    #[test]
    fn long_expressions_are_refused_per_tag() {
        let ok = "{{ 1 + 2 * 3 }}{% if a and not b or c in d %}{% endif %}".repeat(1000);
        check_nesting(&src(&ok)).unwrap();
        let long = format!("a\n{{{{ 1{} }}}}", " + 1".repeat(301));
        let e = check_nesting(&src(&long)).unwrap_err().to_string();
        assert!(e.contains("more than 300 operators (line 2)"), "{e}");
        let long = format!("{{% set x = a{} %}}", " and a".repeat(301));
        assert!(check_nesting(&src(&long)).is_err());
    }
}
