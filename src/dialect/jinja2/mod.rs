//! The jinja2 dialect engine (`DOWNPAGE_SYNTAX=jinja2`): Jinja2 3.1 with the i18n, do and
//! loopcontrols extensions and the contract's stubs, written for downpage (docs/dialects.md).
//!
//! Every template of the folder is lexed and parsed once when the engine is built (the folder's
//! unknown tags and bound names are folder-wide facts); a template's parse error and stubs
//! count only when a render loads it.

// Pedantic lints this engine allows, each for a reason:
// - Python's ints are this engine's i64: lengths and indices are cast to it (no template
//   holds 2^63 items), and Python's `==` on floats is exact, as Jinja2's is.
#![allow(clippy::cast_possible_wrap, clippy::float_cmp)]
// - Filters, tests, methods and globals share one signature (`CallArgs` by value, `&Run`),
//   whether or not a given one consumes or uses them.
#![allow(clippy::needless_pass_by_value, clippy::unused_self)]
// - One match arm per Jinja2 name, in the order of Jinja2's documentation, even when two
//   behave alike; `Value::iter` is Python's `iter()` (a list of items, or an error).
#![allow(clippy::match_same_arms, clippy::iter_not_returning_iterator)]
// - `x = y.clone()` on values that are mostly `Rc`s reads as the Python it follows.
#![allow(clippy::assigning_clones)]

mod ast;
mod filters;
mod format;
mod globals;
mod lexer;
mod methods;
mod parser;
mod predicates;
mod render;
mod value;

use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use anyhow::Result;

use super::{Options, Rendered, StubKind};
use ast::Template;
use lexer::Tok;
use render::{Ctx, Run};
use value::Value;

/// Tags Jinja2 (with i18n, do, loopcontrols) knows: any other is an unknown (stub) tag.
const KNOWN_TAGS: &[&str] = &[
    "for",
    "if",
    "block",
    "extends",
    "print",
    "macro",
    "include",
    "from",
    "import",
    "set",
    "with",
    "autoescape",
    "filter",
    "call",
    "elif",
    "else",
    "endfor",
    "endif",
    "endblock",
    "endmacro",
    "endcall",
    "endfilter",
    "endset",
    "endwith",
    "endautoescape",
    "pluralize",
    "endtrans",
    "raw",
    "endraw",
    "trans",
    "do",
    "break",
    "continue",
];

/// Names a template may call without binding them (Jinja2's own).
const SPECIAL_CALLS: &[&str] = &["super", "caller", "loop", "varargs", "kwargs", "self"];

/// Framework globals the contract makes undefined.
const FRAMEWORK: &[&str] = &["config", "request", "session", "g"];

pub struct Engine {
    templates: HashMap<String, std::result::Result<Arc<Template>, String>>,
    options: Options,
}

impl Engine {
    pub fn new(sources: Vec<(String, String)>, options: Options) -> Engine {
        let mut lexed = vec![];
        for (name, src) in sources {
            let toks = lexer::lex(&src, &name).map_err(|e| format!("{e:#}"));
            lexed.push((name, toks));
        }
        // unknown tags, folder-wide: an `endX` closing an unknown `X` is no tag of its own
        let mut openers = HashSet::new();
        for (_, toks) in &lexed {
            if let Ok(toks) = toks {
                for w in toks.windows(2) {
                    if let (Tok::BlockBegin, Tok::Name(n)) = (&w[0].tok, &w[1].tok)
                        && !KNOWN_TAGS.contains(&n.as_str())
                    {
                        openers.insert(n.clone());
                    }
                }
            }
        }
        let stub_tags: HashSet<String> = openers
            .iter()
            .filter(|t| !(t.starts_with("end") && openers.contains(&t[3..])))
            .cloned()
            .collect();
        let mut bound = HashSet::new();
        let mut parsed = vec![];
        for (name, toks) in lexed {
            let r = toks.and_then(|toks| {
                let scan = scan(&toks, &stub_tags);
                let mut p = parser::Parser::new(toks, &name, &stub_tags);
                let body = p.parse().map_err(|e| format!("{e:#}"))?;
                bound.extend(p.bound.iter().cloned());
                Ok((body, std::mem::take(&mut p.blocks), p.calls.clone(), scan))
            });
            parsed.push((name, r));
        }
        let mut templates = HashMap::new();
        for (name, r) in parsed {
            let t = r.map(|(body, blocks, calls, mut uses)| {
                for (line, at, f) in calls {
                    if !bound.contains(&f)
                        && !globals::NAMES.contains(&f.as_str())
                        && !SPECIAL_CALLS.contains(&f.as_str())
                        && !FRAMEWORK.contains(&f.as_str())
                    {
                        uses.push((line, at, StubKind::Function, f));
                    }
                }
                let uses = value::stable_sort(uses, &|a, b| (a.0, a.1) <= (b.0, b.1));
                let mut stubs: Vec<ast::StubUse> = vec![];
                for (line, _, kind, n) in uses {
                    if !stubs.iter().any(|s| s.0 == kind && s.1 == n) {
                        stubs.push((kind, n, line));
                    }
                }
                let lower = name.to_ascii_lowercase();
                let autoescape = ![".txt", ".json", ".js", ".css"]
                    .iter()
                    .any(|s| lower.ends_with(s));
                Arc::new(Template {
                    name: name.clone(),
                    body,
                    blocks,
                    autoescape,
                    stubs,
                })
            });
            templates.insert(name, t);
        }
        Engine { templates, options }
    }
}

/// Unknown tags, filters and tests a template uses, read from its tokens as the contract's
/// oracle does: (line, token index, kind, name).
fn scan(
    toks: &[lexer::Token],
    stub_tags: &HashSet<String>,
) -> Vec<(usize, usize, StubKind, String)> {
    let dotted = |mut j: usize| {
        let mut parts = vec![];
        if let Tok::Name(n) = &toks[j].tok {
            parts.push(n.clone());
        }
        while j + 2 < toks.len()
            && toks[j + 1].tok == Tok::Op(".")
            && let Tok::Name(n) = &toks[j + 2].tok
        {
            parts.push(n.clone());
            j += 2;
        }
        parts.join(".")
    };
    let is_name = |i: usize| matches!(toks.get(i).map(|t| &t.tok), Some(Tok::Name(_)));
    let mut out = vec![];
    for (i, t) in toks.iter().enumerate() {
        match &t.tok {
            Tok::BlockBegin if is_name(i + 1) => {
                let tag = dotted_first(&toks[i + 1].tok);
                if stub_tags.contains(&tag) {
                    out.push((toks[i + 1].line, i + 1, StubKind::Tag, tag.clone()));
                }
                if tag == "filter" && is_name(i + 2) {
                    let f = dotted(i + 2);
                    if !filters::NAMES.contains(&f.as_str()) {
                        out.push((toks[i + 2].line, i + 2, StubKind::Filter, f));
                    }
                }
            }
            Tok::Op("|") if is_name(i + 1) => {
                let f = dotted(i + 1);
                if !filters::NAMES.contains(&f.as_str()) {
                    out.push((t.line, i, StubKind::Filter, f));
                }
            }
            Tok::Name(n) if n == "is" && i + 1 < toks.len() => {
                let mut j = i + 1;
                if matches!(&toks[j].tok, Tok::Name(n) if n == "not") && j + 1 < toks.len() {
                    j += 1;
                }
                if is_name(j) {
                    let test = dotted(j);
                    if !predicates::NAMES.contains(&test.as_str()) {
                        out.push((t.line, i, StubKind::Test, test));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn dotted_first(t: &Tok) -> String {
    match t {
        Tok::Name(n) => n.clone(),
        _ => String::new(),
    }
}

/// The strict-mode error for a stub (the message both dialects share).
pub fn strict_message(kind: StubKind, name: &str, template: &str, line: usize) -> String {
    super::site::strict_error(&super::Stub {
        kind,
        name: name.to_string(),
        template: template.to_string(),
        line,
    })
    .to_string()
}

/// Django's `static()` (django-jinja's `static(path)`).
pub fn static_url(options: &Options, path: &str) -> String {
    super::static_url::static_url(options, path)
}

impl super::Engine for Engine {
    fn render(
        &self,
        name: &str,
        context: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Rendered> {
        let run = Run::new(self);
        let tpl = run.load(name)?.ok_or_else(|| {
            anyhow::anyhow!("template {name:?} not found in DOWNPAGE_TEMPLATE_DIR")
        })?;
        let vars: value::Vars = context
            .iter()
            .map(|(k, v)| (k.clone(), Value::from_json(v)))
            .collect();
        let mut out = String::new();
        run.render_template(&tpl, Ctx::new(Rc::new(vars)), &mut out)?;
        let mut stubs: Vec<super::Stub> = vec![];
        for s in run.stubs.into_inner() {
            if !stubs.iter().any(|t| t.kind == s.kind && t.name == s.name) {
                stubs.push(s);
            }
        }
        Ok(Rendered { text: out, stubs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{Engine as _, NullTranslations};

    pub fn options() -> Options {
        Options {
            urls: [("home".to_string(), "/".to_string())]
                .into_iter()
                .collect(),
            strict: false,
            static_url: "/static/".into(),
            static_names: None,
            lang: "en".into(),
            lang_name: "English".into(),
            languages: Vec::new(),
            now: 946684800,
            translations: Arc::new(NullTranslations),
        }
    }

    fn render(files: &[(&str, &str)], ctx: serde_json::Value) -> String {
        let e = Engine::new(
            files
                .iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect(),
            options(),
        );
        match e.render(files[0].0, ctx.as_object().unwrap()) {
            Ok(r) => r.text,
            Err(e) => format!("ERROR {e:#}"),
        }
    }

    #[test]
    fn prints_escapes_and_undefined() {
        assert_eq!(
            render(
                &[("a.html", "{{ x }}|{{ y.z() }}|{{ [1, 'a', none] }}\n")],
                serde_json::json!({"x": "<a&'\">"})
            ),
            "&lt;a&amp;&#39;&#34;&gt;||[1, &#39;a&#39;, None]"
        );
    }

    #[test]
    fn inheritance_with_super_and_child_sets() {
        let out = render(
            &[
                (
                    "c.html",
                    "{% extends 'b.html' %}{% set t = 'T' %}{% block x %}[{{ super() }}{{ t }}]{% endblock %}",
                ),
                ("b.html", "<{% block x %}base{% endblock %}>"),
            ],
            serde_json::json!({}),
        );
        assert_eq!(out, "<[baseT]>");
    }

    #[test]
    fn macros_caller_loops_and_stubs() {
        let out = render(
            &[(
                "m.html",
                "{% macro m(a, b=2) %}{{ a }}{{ b }}{{ caller() }}{% endmacro %}{% call m(1) %}c{% endcall %}\
                 {% for i in range(3) %}{{ loop.index }}{{ loop.cycle('a','b') }}{% endfor %}\
                 {% cache 1 %}in{% else %}out{% endcache %}{{ 'x'|nosuch }}{{ 1 is nosuch }}{% thing as v %}[{{ v }}]",
            )],
            serde_json::json!({}),
        );
        assert_eq!(out, "12c1a2b3ainxFalse[]");
    }

    #[test]
    fn strict_mode_names_the_first_stub() {
        let mut o = options();
        o.strict = true;
        let e = Engine::new(vec![("a.html".into(), "x\n{{ y|nosuch }}".into())], o);
        let err = e.render("a.html", &serde_json::Map::new()).unwrap_err();
        assert!(
            format!("{err:#}").starts_with("a.html line 2: unknown filter \"nosuch\""),
            "{err:#}"
        );
    }

    #[test]
    fn self_inclusion_is_an_error_not_a_crash() {
        let out = render(
            &[("a.html", "{% include 'a.html' %}")],
            serde_json::json!({}),
        );
        assert!(
            out.starts_with("ERROR a.html line 1: templates extend"),
            "{out}"
        );
    }
}
