//! Test helper for `tests/checks/gettext.sh` (not part of the product): answers a matrix of
//! gettext lookups with downpage's catalog reader, so the check can compare the answers byte
//! for byte with Python's `gettext.GNUTranslations` over the same catalogs compiled by
//! `msgfmt`.
//!
//! ```text
//! gettext_lookup lookup DOMAIN QUERIES DIR...  one line per query: the answer's UTF-8 bytes in hex
//! gettext_lookup plural EXPRESSIONS            one line per expression: REJECT, or the values
//! gettext_lookup dump FILE...                  every message of each .mo/.po, and its plural values
//! gettext_lookup time FILE...                  how long reading the catalogs takes (a measurement)
//! ```
//! A query is a JSON line `{"lang", "ctx", "id", "plural", "n"}` (`ctx`, `plural`, `n` may be
//! null); an untranslated message gives the msgid (or gettext's `n == 1` rule for plurals),
//! as the template engines will. An expression line is `{"expr", "ns"}`; each value is the
//! expression's value for one `n`, or `ERR` where it divides by zero.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use downpage::internal::gettext::{Locales, Translations, plural::Plural};
use serde::Deserialize;

#[derive(Deserialize)]
struct Query {
    lang: String,
    ctx: Option<String>,
    id: String,
    plural: Option<String>,
    n: Option<u64>,
}

#[derive(Deserialize)]
struct Expression {
    expr: String,
    ns: Vec<u64>,
}

fn hex(s: &str) -> String {
    use std::fmt::Write;
    s.bytes().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// One catalog file's messages, sorted, as `S|P KEY FORM...` lines in hex, then the plural
/// rule's values for n = 0..=200.
fn dump(file: &str) -> Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {file}"))?;
    let catalog = if file.ends_with(".po") {
        downpage::internal::gettext::po::parse(&bytes, file)?
    } else {
        downpage::internal::gettext::mo::parse(&bytes, file)?
    };
    let mut lines: Vec<String> = catalog
        .messages()
        .map(|(key, plural, forms)| {
            let forms: Vec<String> = forms.iter().map(|f| hex(f)).collect();
            let kind = if plural { "P" } else { "S" };
            format!("{kind} {} {}", hex(key), forms.join(" "))
        })
        .collect();
    lines.sort();
    let values: Vec<String> = (0..=200)
        .map(|n| {
            catalog
                .plural()
                .eval(n)
                .map_or("ERR".into(), |v| v.to_string())
        })
        .collect();
    lines.push(format!("plural {}", values.join(" ")));
    Ok(lines.iter().fold(String::new(), |mut out, l| {
        out.push_str(l);
        out.push('\n');
        out
    }))
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = String::new();
    match args.as_slice() {
        [mode, domain, queries, dirs @ ..] if mode == "lookup" && !dirs.is_empty() => {
            let dirs: Vec<PathBuf> = dirs.iter().map(PathBuf::from).collect();
            let locales = Locales::open(&dirs, domain)?;
            let mut langs: HashMap<String, Arc<dyn Translations>> = HashMap::new();
            let text = std::fs::read_to_string(queries).context("reading the queries")?;
            for line in text.lines() {
                let q: Query = serde_json::from_str(line).context("a query line")?;
                if !langs.contains_key(&q.lang) {
                    langs.insert(q.lang.clone(), locales.translations(&q.lang)?);
                }
                let t = &langs[&q.lang];
                let answer = match (&q.plural, q.n) {
                    (Some(plural), Some(n)) => t
                        .ngettext(q.ctx.as_deref(), &q.id, plural, n)
                        .unwrap_or_else(|| if n == 1 { q.id.clone() } else { plural.clone() }),
                    _ => t
                        .gettext(q.ctx.as_deref(), &q.id)
                        .unwrap_or_else(|| q.id.clone()),
                };
                out.push_str(&hex(&answer));
                out.push('\n');
            }
        }
        [mode, file] if mode == "plural" => {
            let text = std::fs::read_to_string(file).context("reading the expressions")?;
            for line in text.lines() {
                let e: Expression = serde_json::from_str(line).context("an expression line")?;
                match Plural::parse(&e.expr) {
                    Err(_) => out.push_str("REJECT"),
                    Ok(p) => {
                        let values: Vec<String> =
                            e.ns.iter()
                                .map(|&n| p.eval(n).map_or("ERR".to_string(), |v| v.to_string()))
                                .collect();
                        out.push_str(&values.join(" "));
                    }
                }
                out.push('\n');
            }
        }
        [mode, files @ ..] if mode == "dump" => {
            for file in files {
                out.push_str(&format!("== {file}\n"));
                match dump(file) {
                    Ok(text) => out.push_str(&text),
                    Err(e) => out.push_str(&format!("ERROR {e:#}\n")),
                }
            }
        }
        [mode, files @ ..] if mode == "time" => {
            let texts: Vec<(String, Vec<u8>)> = files
                .iter()
                .map(|f| Ok((f.clone(), std::fs::read(f).with_context(|| f.clone())?)))
                .collect::<Result<_>>()?;
            let bytes: usize = texts.iter().map(|(_, b)| b.len()).sum();
            let start = std::time::Instant::now();
            let mut messages = 0;
            for (name, b) in &texts {
                let c = if name.ends_with(".po") {
                    downpage::internal::gettext::po::parse(b, name)?
                } else {
                    downpage::internal::gettext::mo::parse(b, name)?
                };
                messages += c.len();
            }
            let took = start.elapsed();
            out.push_str(&format!(
                "{} files, {bytes} bytes, {messages} messages read in {:.1} ms\n",
                texts.len(),
                took.as_secs_f64() * 1000.0
            ));
        }
        _ => bail!(
            "usage: gettext_lookup lookup DOMAIN QUERIES DIR... | plural EXPRESSIONS | dump FILE..."
        ),
    }
    print!("{out}");
    Ok(())
}
