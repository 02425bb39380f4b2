//! The globals templates call: Jinja2's (`range`, `dict`, `lipsum`, `cycler`, `joiner`,
//! `namespace`), the i18n extension's gettext functions (null translations unless the run has
//! a catalog), and the contract's framework stand-ins: Flask's `url_for` and
//! `get_flashed_messages`, django-jinja's `static` and `url`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use anyhow::{Result, bail};

use super::filters::quote;
use super::format::percent;
use super::render::{CallArgs, Frame, Run};
use super::value::{Dict, Value};

pub const NAMES: &[&str] = &[
    "range",
    "dict",
    "lipsum",
    "cycler",
    "joiner",
    "namespace",
    "url_for",
    "get_flashed_messages",
    "static",
    "url",
    "gettext",
    "_",
    "ngettext",
    "pgettext",
    "npgettext",
];

/// werkzeug's path converter (Flask's static route).
const WERKZEUG_SAFE: &[u8] = b"!$&'()*+,/:;=@";
/// werkzeug's query string.
const QUERY_SAFE: &[u8] = b"!$'()*,/:;?@";
/// Flask's `_anchor`.
const ANCHOR_SAFE: &[u8] = b"%!#$&'()*+,/:;=?@";

fn text(v: &Value) -> String {
    v.to_str()
}

pub fn call(run: &Run, f: &mut Frame, name: &str, a: CallArgs) -> Result<Value> {
    Ok(match name {
        "range" => {
            let n: Vec<i64> = a.pos.iter().map(|v| v.int().unwrap_or(0)).collect();
            let (start, stop, step) = match n.as_slice() {
                [stop] => (0, *stop, 1),
                [start, stop] => (*start, *stop, 1),
                [start, stop, step] => (*start, *stop, *step),
                _ => bail!("range expected 1 to 3 integer arguments"),
            };
            if step == 0 {
                bail!("range() arg 3 must not be zero");
            }
            let count = if step > 0 {
                (stop - start + step - 1) / step
            } else {
                (start - stop - step - 1) / -step
            };
            if count > 100_000 {
                bail!("range too big: more than 100000 items");
            }
            Value::list(
                (0..count.max(0))
                    .map(|i| Value::Int(start + i * step))
                    .collect(),
            )
        }
        "dict" => {
            let mut d = Dict::default();
            if let Some(Value::Dict(src)) = a.pos.first() {
                d.0 = src.borrow().0.clone();
            }
            for (k, v) in a.kw {
                d.insert(Value::string(k), v);
            }
            Value::dict(d)
        }
        "namespace" => {
            let mut d = Dict::default();
            if let Some(Value::Dict(src)) = a.pos.first() {
                d.0 = src.borrow().0.clone();
            }
            for (k, v) in a.kw {
                d.insert(Value::string(k), v);
            }
            Value::Namespace(Rc::new(RefCell::new(d)))
        }
        "cycler" => Value::Cycler(Rc::new(RefCell::new((a.pos, 0)))),
        "joiner" => Value::Joiner(Rc::new((
            a.get(0, "sep").unwrap_or_else(|| Value::str(", ")),
            Cell::new(false),
        ))),
        "lipsum" => lipsum(&a, f.autoescape),
        "get_flashed_messages" => Value::list(vec![]),
        "url_for" => url_for(run, a)?,
        "url" => url_lookup(run, &a.pos.first().cloned().unwrap_or(Value::Undefined))?,
        "static" => Value::string(super::static_url(
            &run.eng.options,
            &text(&a.get(0, "path").unwrap_or(Value::Undefined)),
        )),
        "gettext" | "_" | "pgettext" => {
            let (ctx, msg, at) = if name == "pgettext" {
                (
                    a.pos.first().map(text),
                    a.pos.get(1).map(text).unwrap_or_default(),
                    2,
                )
            } else {
                (None, a.pos.first().map(text).unwrap_or_default(), 1)
            };
            let _ = at;
            let rv = run
                .eng
                .options
                .translations
                .gettext(ctx.as_deref(), &msg)
                .unwrap_or(msg);
            let mut vars = Dict::default();
            if let Some(c) = &ctx {
                vars.insert(Value::str("context"), Value::str(c));
            }
            for (k, v) in a.kw {
                vars.insert(Value::string(k), v);
            }
            finish(rv, vars, f.autoescape)?
        }
        "ngettext" | "npgettext" => {
            let off = usize::from(name == "npgettext");
            let ctx = (off == 1).then(|| a.pos.first().map(text).unwrap_or_default());
            let s = a.pos.get(off).map(text).unwrap_or_default();
            let p = a.pos.get(off + 1).map(text).unwrap_or_default();
            let n = a.pos.get(off + 2).cloned().unwrap_or(Value::Int(0));
            let count = n.int().or_else(|| n.num().map(|x| x as i64)).unwrap_or(0);
            let rv = run
                .eng
                .options
                .translations
                .ngettext(ctx.as_deref(), &s, &p, count.max(0) as u64)
                .unwrap_or(if count == 1 { s } else { p });
            let mut vars = Dict::default();
            for (k, v) in a.kw {
                vars.insert(Value::string(k), v);
            }
            if vars.get_str("num").is_none() {
                vars.insert(Value::str("num"), n);
            }
            if let Some(c) = &ctx
                && vars.get_str("context").is_none()
            {
                vars.insert(Value::str("context"), Value::str(c));
            }
            finish(rv, vars, f.autoescape)?
        }
        _ => Value::Undefined,
    })
}

/// Newstyle gettext: Markup when autoescaping, then `% variables` (always a format string).
fn finish(rv: String, vars: Dict, autoescape: bool) -> Result<Value> {
    let fmt = if autoescape {
        Value::markup(rv)
    } else {
        Value::string(rv)
    };
    percent(&fmt, &Value::dict(vars))
}

fn url_lookup(run: &Run, name: &Value) -> Result<Value> {
    let name = text(name);
    if let Some(p) = run.eng.options.urls.get(&name) {
        Ok(Value::str(p))
    } else {
        run.missing_url(&name)?;
        Ok(Value::str("#"))
    }
}

/// Flask's `url_for`: the static route as werkzeug builds it, other endpoints by name.
fn url_for(run: &Run, a: CallArgs) -> Result<Value> {
    let endpoint = a.pos.first().cloned().unwrap_or(Value::Undefined);
    if text(&endpoint) != "static" {
        return url_lookup(run, &endpoint);
    }
    let mut filename = String::new();
    let mut anchor = None;
    let mut query = vec![];
    for (k, v) in &a.kw {
        match k.as_str() {
            "filename" => filename = text(v),
            "_anchor" => {
                if !matches!(v, Value::None) {
                    anchor = Some(text(v));
                }
            }
            "_method" | "_scheme" | "_external" => {}
            _ => {
                let items = match v {
                    Value::List(_) | Value::Tuple(_) => v.iter()?,
                    v => vec![v.clone()],
                };
                for item in items {
                    if !matches!(item, Value::None) {
                        query.push(format!(
                            "{}={}",
                            quote(k, QUERY_SAFE, true),
                            quote(&text(&item), QUERY_SAFE, true)
                        ));
                    }
                }
            }
        }
    }
    let opts = &run.eng.options;
    let hashed = opts
        .static_names
        .as_ref()
        .and_then(|m| m(&filename))
        .unwrap_or(filename);
    let mut rv = format!(
        "{}{}",
        opts.static_url,
        quote(&hashed, WERKZEUG_SAFE, false)
    );
    if !query.is_empty() {
        rv.push('?');
        rv.push_str(&query.join("&"));
    }
    if let Some(an) = anchor {
        rv.push('#');
        rv.push_str(&quote(&an, ANCHOR_SAFE, false));
    }
    Ok(Value::string(rv))
}

/// `lipsum()`: deterministic here (Jinja2's is random): the classic paragraph, cut to `n`
/// paragraphs of `min`..`max` words.
fn lipsum(a: &CallArgs, autoescape: bool) -> Value {
    const WORDS: &str = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat";
    let n = a.get(0, "n").and_then(|v| v.int()).unwrap_or(5).max(0) as usize;
    let html = a.get(1, "html").is_none_or(|v| v.truthy());
    let min = a.get(2, "min").and_then(|v| v.int()).unwrap_or(20).max(1) as usize;
    let words: Vec<&str> = WORDS.split(' ').collect();
    let mut paras = vec![];
    for p in 0..n {
        let len = min + p % 7;
        let mut s: String = (0..len)
            .map(|i| words[(i + p) % words.len()])
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(first) = s.get(..1) {
            s = first.to_uppercase() + &s[1..];
        }
        s.push('.');
        paras.push(s);
    }
    if html {
        let s = paras
            .iter()
            .map(|p| format!("<p>{p}</p>"))
            .collect::<Vec<_>>()
            .join("\n");
        if autoescape {
            Value::markup(s)
        } else {
            Value::string(s)
        }
    } else {
        Value::string(paras.join("\n\n"))
    }
}
