//! Jinja2's built-in filters (`|upper`, `|join`, `|tojson`…). Under the contract a filter
//! whose input is undefined receives "" (except `default`/`d`), and an unknown filter returns
//! its input as it is.

use std::rc::Rc;

use anyhow::{Result, anyhow, bail};

use super::format::percent;
use super::render::{CallArgs, Frame, Run, getattr, getitem};
use super::value::{Dict, Value, escape, escape_value, float_repr};

pub const NAMES: &[&str] = &[
    "abs",
    "attr",
    "batch",
    "capitalize",
    "center",
    "count",
    "d",
    "default",
    "dictsort",
    "e",
    "escape",
    "filesizeformat",
    "first",
    "float",
    "forceescape",
    "format",
    "groupby",
    "indent",
    "int",
    "items",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "pprint",
    "random",
    "reject",
    "rejectattr",
    "replace",
    "reverse",
    "round",
    "safe",
    "select",
    "selectattr",
    "slice",
    "sort",
    "string",
    "striptags",
    "sum",
    "title",
    "tojson",
    "trim",
    "truncate",
    "unique",
    "upper",
    "urlencode",
    "urlize",
    "wordcount",
    "wordwrap",
    "xmlattr",
];

/// Keeps Markup-ness: a str transform of a str or Markup input.
fn same_kind(input: &Value, s: String) -> Value {
    if input.is_safe() {
        Value::markup(s)
    } else {
        Value::string(s)
    }
}

fn text(v: &Value) -> String {
    v.to_str()
}

fn arg_int(a: &CallArgs, i: usize, name: &str, default: i64) -> Result<i64> {
    match a.get(i, name) {
        None => Ok(default),
        Some(v) => v
            .int()
            .or_else(|| v.num().map(|f| f as i64))
            .ok_or_else(|| anyhow!("{name}: an integer is required, not {}", v.type_name())),
    }
}

fn arg_bool(a: &CallArgs, i: usize, name: &str) -> bool {
    a.get(i, name).is_some_and(|v| v.truthy())
}

/// `make_attrgetter`: `a.b.0` looked up item-then-attribute, step by step.
pub fn attr_path(v: &Value, path: &Value) -> Value {
    match path {
        Value::Int(_) => getitem(v, path),
        p => {
            let mut cur = v.clone();
            for part in p.to_str().split('.') {
                let key = match part.parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::str(part),
                };
                cur = getitem(&cur, &key);
            }
            cur
        }
    }
}

fn lower_key(v: Value, case_sensitive: bool) -> Value {
    if case_sensitive {
        return v;
    }
    match &v {
        Value::Str(s) | Value::Markup(s) => Value::string(s.to_lowercase()),
        _ => v,
    }
}

fn sort_values(items: &mut Vec<(Value, Value)>) -> Result<()> {
    let err = std::cell::RefCell::new(None);
    let sorted = super::value::stable_sort(std::mem::take(items), &|a, b| match a.0.py_cmp(&b.0) {
        Ok(o) => o.is_le(),
        Err(e) => {
            err.borrow_mut().get_or_insert(e);
            true
        }
    });
    *items = sorted;
    match err.into_inner() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

pub fn apply(run: &Run, f: &mut Frame, name: &str, input: Value, a: CallArgs) -> Result<Value> {
    if !NAMES.contains(&name) {
        return Ok(input);
    }
    if name == "default" || name == "d" {
        let dflt = a.get(0, "default_value").unwrap_or_else(|| Value::str(""));
        let boolean = arg_bool(&a, 1, "boolean");
        return Ok(if input.is_undefined() || (boolean && !input.truthy()) {
            dflt
        } else {
            input
        });
    }
    let v = input.or_empty();
    let auto = f.autoescape;
    Ok(match name {
        "abs" => match v {
            Value::Int(i) => Value::Int(i.abs()),
            Value::Bool(b) => Value::Int(i64::from(b)),
            Value::Float(x) => Value::Float(x.abs()),
            v => bail!("bad operand type for abs(): '{}'", v.type_name()),
        },
        "attr" => {
            let n = a.get(0, "name").map(|n| n.to_str()).unwrap_or_default();
            match &v {
                Value::Dict(_) => {
                    if super::methods::DICT.contains(&n.as_str()) {
                        getattr(&v, &n)
                    } else {
                        Value::Undefined
                    }
                }
                _ => getattr(&v, &n),
            }
        }
        "batch" => {
            let n = arg_int(&a, 0, "linecount", 1)?.max(1) as usize;
            let fill = a.get(1, "fill_with").filter(|f| !matches!(f, Value::None));
            let mut out = vec![];
            let mut cur = vec![];
            for item in v.iter()? {
                if cur.len() == n {
                    out.push(Value::list(std::mem::take(&mut cur)));
                }
                cur.push(item);
            }
            if !cur.is_empty() {
                if let Some(fill) = fill {
                    while cur.len() < n {
                        cur.push(fill.clone());
                    }
                }
                out.push(Value::list(cur));
            }
            Value::list(out)
        }
        "capitalize" => {
            let s = text(&v);
            let mut c = s.chars();
            let r = match c.next() {
                Some(first) => {
                    first.to_uppercase().collect::<String>() + &c.as_str().to_lowercase()
                }
                None => String::new(),
            };
            same_kind(&v, r)
        }
        "center" => {
            let w = arg_int(&a, 0, "width", 80)?.max(0) as usize;
            let s = text(&v);
            let n = s.chars().count();
            if n >= w {
                same_kind(&v, s)
            } else {
                let pad = w - n;
                let left = pad / 2 + (pad & w & 1);
                same_kind(
                    &v,
                    format!("{}{s}{}", " ".repeat(left), " ".repeat(pad - left)),
                )
            }
        }
        "dictsort" => {
            let cs = arg_bool(&a, 0, "case_sensitive");
            let by_value = a.get(1, "by").is_some_and(|b| b.to_str() == "value");
            let rev = arg_bool(&a, 2, "reverse");
            let Value::Dict(d) = &v else {
                bail!("you can only sort by either \"key\" or \"value\" of a dict");
            };
            let mut items: Vec<(Value, Value)> = d
                .borrow()
                .0
                .iter()
                .map(|(k, val)| {
                    let key = if by_value { val.clone() } else { k.clone() };
                    (
                        lower_key(key, cs),
                        Value::Tuple(Rc::new(vec![k.clone(), val.clone()])),
                    )
                })
                .collect();
            sort_values(&mut items)?;
            if rev {
                items.reverse();
            }
            Value::list(items.into_iter().map(|(_, t)| t).collect())
        }
        "escape" | "e" => Value::markup(escape_value(&v)),
        "forceescape" => Value::markup(escape(&text(&v))),
        "filesizeformat" => {
            let bytes = match &v {
                Value::Str(s) => s
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| anyhow!("could not convert string to float: {s:?}"))?,
                v => v.num().ok_or_else(|| {
                    anyhow!("float() argument must be a number, not '{}'", v.type_name())
                })?,
            };
            let binary = arg_bool(&a, 0, "binary");
            let base: f64 = if binary { 1024.0 } else { 1000.0 };
            let prefixes = if binary {
                ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
            } else {
                ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
            };
            if bytes == 1.0 {
                Value::str("1 Byte")
            } else if bytes < base {
                Value::string(format!("{} Bytes", bytes.trunc() as i64))
            } else {
                let mut r = String::new();
                for (i, p) in prefixes.iter().enumerate() {
                    let unit = base.powi(i as i32 + 2);
                    r = format!("{:.1} {p}", base * bytes / unit);
                    if bytes < unit {
                        break;
                    }
                }
                Value::string(r)
            }
        }
        "first" => v.iter()?.into_iter().next().unwrap_or(Value::Undefined),
        "last" => v.iter()?.pop().unwrap_or(Value::Undefined),
        "float" => {
            let dflt = a.get(0, "default").unwrap_or(Value::Float(0.0));
            match &v {
                Value::Float(_) => v.clone(),
                Value::Int(i) => Value::Float(*i as f64),
                Value::Bool(b) => Value::Float(i64::from(*b) as f64),
                Value::Str(s) | Value::Markup(s) => py_float(s).map_or(dflt, Value::Float),
                _ => dflt,
            }
        }
        "int" => {
            let dflt = a.get(0, "default").unwrap_or(Value::Int(0));
            let base = arg_int(&a, 1, "base", 10)?;
            match &v {
                Value::Int(_) => v.clone(),
                Value::Bool(b) => Value::Int(i64::from(*b)),
                Value::Float(x) => Value::Int(x.trunc() as i64),
                Value::Str(s) | Value::Markup(s) => py_int(s, base as u32)
                    .map(Value::Int)
                    .or_else(|| {
                        py_float(s)
                            .filter(|x| x.is_finite())
                            .map(|x| Value::Int(x.trunc() as i64))
                    })
                    .unwrap_or(dflt),
                _ => dflt,
            }
        }
        "format" => {
            if !a.kw.is_empty() && !a.pos.is_empty() {
                bail!("can't handle positional and keyword arguments at the same time");
            }
            let args = if a.kw.is_empty() {
                Value::Tuple(Rc::new(a.pos))
            } else {
                Value::dict(Dict(
                    a.kw.into_iter()
                        .map(|(k, v)| (Value::string(k), v))
                        .collect(),
                ))
            };
            let fmt = if v.is_str() {
                v
            } else {
                Value::string(v.to_str())
            };
            percent(&fmt, &args)?
        }
        "groupby" => {
            let attr = a.get(0, "attribute").unwrap_or(Value::Undefined);
            let dflt = a.get(1, "default").filter(|d| !matches!(d, Value::None));
            let cs = arg_bool(&a, 2, "case_sensitive");
            let key = |item: &Value| {
                let k = attr_path(item, &attr);
                match (&k, &dflt) {
                    (Value::Undefined, Some(d)) => d.clone(),
                    _ => k,
                }
            };
            let mut items: Vec<(Value, Value)> = v
                .iter()?
                .into_iter()
                .map(|i| (lower_key(key(&i), cs), i))
                .collect();
            sort_values(&mut items)?;
            let mut groups: Vec<(Value, Vec<Value>)> = vec![];
            for (k, item) in items {
                match groups.last_mut() {
                    Some((gk, list)) if gk.py_eq(&k) => list.push(item),
                    _ => groups.push((k, vec![item])),
                }
            }
            Value::list(
                groups
                    .into_iter()
                    .map(|(k, list)| {
                        let k = if cs { k } else { key(&list[0]) };
                        Value::Tuple(Rc::new(vec![k, Value::list(list)]))
                    })
                    .collect(),
            )
        }
        "indent" => {
            let ind = match a.get(0, "width") {
                Some(Value::Str(s) | Value::Markup(s)) => s.to_string(),
                Some(w) => " ".repeat(w.int().unwrap_or(4).max(0) as usize),
                None => "    ".into(),
            };
            let first = arg_bool(&a, 1, "first");
            let blank = arg_bool(&a, 2, "blank");
            let safe = v.is_safe();
            let ind = if safe { escape(&ind) } else { ind };
            let s = text(&v) + "\n";
            let lines = splitlines(&s);
            let mut rv = if blank {
                lines.join(&format!("\n{ind}"))
            } else {
                let mut it = lines.into_iter();
                let mut rv = it.next().unwrap_or_default().clone();
                let rest: Vec<String> = it
                    .map(|l| {
                        if l.is_empty() {
                            String::new()
                        } else {
                            format!("{ind}{l}")
                        }
                    })
                    .collect();
                if !rest.is_empty() {
                    rv.push('\n');
                    rv.push_str(&rest.join("\n"));
                }
                rv
            };
            if first {
                rv = ind + &rv;
            }
            same_kind(&v, rv)
        }
        "items" => match &v {
            Value::Dict(d) => Value::list(
                d.borrow()
                    .0
                    .iter()
                    .map(|(k, v)| Value::Tuple(Rc::new(vec![k.clone(), v.clone()])))
                    .collect(),
            ),
            _ => bail!("can only get item pairs from a mapping"),
        },
        "join" => {
            let d = a.get(0, "d").unwrap_or_else(|| Value::str(""));
            let mut items = v.iter()?;
            if let Some(attr) = a.get(1, "attribute") {
                items = items.iter().map(|i| attr_path(i, &attr)).collect();
            }
            if !auto {
                Value::string(items.iter().map(text).collect::<Vec<_>>().join(&text(&d)))
            } else if d.is_safe() || items.iter().any(Value::is_safe) {
                Value::markup(
                    items
                        .iter()
                        .map(escape_value)
                        .collect::<Vec<_>>()
                        .join(&escape_value(&d)),
                )
            } else {
                Value::string(items.iter().map(text).collect::<Vec<_>>().join(&text(&d)))
            }
        }
        "length" | "count" => Value::Int(v.len()? as i64),
        "list" => Value::list(v.iter()?),
        "lower" => same_kind(&v, text(&v).to_lowercase()),
        "upper" => same_kind(&v, text(&v).to_uppercase()),
        "map" => {
            let items = v.iter()?;
            if let Some(attr) =
                a.kw.iter()
                    .find(|(k, _)| k == "attribute")
                    .map(|(_, v)| v.clone())
            {
                let dflt =
                    a.kw.iter()
                        .find(|(k, _)| k == "default")
                        .map(|(_, v)| v.clone());
                Value::list(
                    items
                        .iter()
                        .map(|i| match (attr_path(i, &attr), &dflt) {
                            (Value::Undefined, Some(d)) => d.clone(),
                            (x, _) => x,
                        })
                        .collect(),
                )
            } else {
                let mut pos = a.pos.into_iter();
                let Some(fname) = pos.next() else {
                    return Ok(Value::list(items));
                };
                let rest: Vec<Value> = pos.collect();
                let mut out = vec![];
                for i in items {
                    out.push(apply(
                        run,
                        f,
                        &fname.to_str(),
                        i,
                        CallArgs {
                            pos: rest.clone(),
                            kw: a.kw.clone(),
                        },
                    )?);
                }
                Value::list(out)
            }
        }
        "max" | "min" => {
            let cs = arg_bool(&a, 0, "case_sensitive");
            let attr = a.get(1, "attribute");
            let mut best: Option<(Value, Value)> = None;
            for i in v.iter()? {
                let k = lower_key(attr.as_ref().map_or(i.clone(), |at| attr_path(&i, at)), cs);
                let better = match &best {
                    None => true,
                    Some((bk, _)) => {
                        let o = k.py_cmp(bk)?;
                        if name == "max" { o.is_gt() } else { o.is_lt() }
                    }
                };
                if better {
                    best = Some((k, i));
                }
            }
            best.map_or(Value::Undefined, |b| b.1)
        }
        "pprint" => Value::string(v.repr()),
        "random" => {
            let items = v.iter()?;
            if items.is_empty() {
                Value::Undefined
            } else {
                let i = (run.eng.options.now % items.len() as u64) as usize;
                items[i].clone()
            }
        }
        "select" | "reject" | "selectattr" | "rejectattr" => {
            let by_attr = name.ends_with("attr");
            let want = name.starts_with("select");
            let mut pos = a.pos.into_iter();
            let attr = if by_attr { pos.next() } else { None };
            let test = pos.next();
            let rest: Vec<Value> = pos.collect();
            let mut out = vec![];
            for i in v.iter()? {
                let x = match &attr {
                    Some(at) => attr_path(&i, at),
                    None => i.clone(),
                };
                let ok = match &test {
                    None => x.truthy(),
                    Some(t) => super::predicates::apply(
                        run,
                        f,
                        &t.to_str(),
                        &x,
                        CallArgs {
                            pos: rest.clone(),
                            kw: a.kw.clone(),
                        },
                    )?,
                };
                if ok == want {
                    out.push(i);
                }
            }
            Value::list(out)
        }
        "replace" => {
            let old = a.get(0, "old").unwrap_or_else(|| Value::str(""));
            let new = a.get(1, "new").unwrap_or_else(|| Value::str(""));
            let count = a.get(2, "count").and_then(|c| c.int());
            let markup = auto && (v.is_safe() || old.is_safe() || new.is_safe());
            let (s, o, n) = if markup {
                (escape_value(&v), text(&old), escape_value(&new))
            } else {
                (text(&v), text(&old), text(&new))
            };
            let r = match count {
                Some(c) if c >= 0 => py_replacen(&s, &o, &n, c as usize),
                _ => py_replacen(&s, &o, &n, usize::MAX),
            };
            if markup {
                Value::markup(r)
            } else {
                Value::string(r)
            }
        }
        "reverse" => match &v {
            Value::Str(s) | Value::Markup(s) => same_kind(&v, s.chars().rev().collect()),
            _ => {
                let mut items = v.iter()?;
                items.reverse();
                Value::list(items)
            }
        },
        "round" => {
            let p = arg_int(&a, 0, "precision", 0)?;
            let method = a
                .get(1, "method")
                .map_or_else(|| "common".into(), |m| m.to_str());
            let x = v
                .num()
                .ok_or_else(|| anyhow!("round: a number is required, not {}", v.type_name()))?;
            match method.as_str() {
                "common" => match v {
                    Value::Int(_) | Value::Bool(_) if p >= 0 => Value::Int(v.int().unwrap_or(0)),
                    _ => Value::Float(py_round(x, p)),
                },
                "ceil" | "floor" => {
                    let m = 10f64.powi(p as i32);
                    let y = x * m;
                    Value::Float(
                        if method == "ceil" {
                            y.ceil()
                        } else {
                            y.floor()
                        } / m,
                    )
                }
                _ => bail!("method must be common, ceil or floor"),
            }
        }
        "safe" => Value::markup(text(&v)),
        "slice" => {
            let slices = arg_int(&a, 0, "slices", 1)?.max(1) as usize;
            let fill = a.get(1, "fill_with").filter(|f| !matches!(f, Value::None));
            let seq = v.iter()?;
            let per = seq.len() / slices;
            let extra = seq.len() % slices;
            let mut offset = 0;
            let mut out = vec![];
            for n in 0..slices {
                let start = offset + n * per;
                if n < extra {
                    offset += 1;
                }
                let end = offset + (n + 1) * per;
                let mut tmp = seq[start.min(seq.len())..end.min(seq.len())].to_vec();
                if let Some(fv) = &fill
                    && n >= extra
                {
                    tmp.push(fv.clone());
                }
                out.push(Value::list(tmp));
            }
            Value::list(out)
        }
        "sort" => {
            let rev = arg_bool(&a, 0, "reverse");
            let cs = arg_bool(&a, 1, "case_sensitive");
            let attr = a.get(2, "attribute");
            let mut items: Vec<(Value, Value)> = v
                .iter()?
                .into_iter()
                .map(|i| {
                    let k = match &attr {
                        Some(at) => {
                            let parts: Vec<Value> = at
                                .to_str()
                                .split(',')
                                .map(|p| lower_key(attr_path(&i, &Value::str(p.trim())), cs))
                                .collect();
                            if parts.len() == 1 {
                                parts.into_iter().next().unwrap_or(Value::None)
                            } else {
                                Value::list(parts)
                            }
                        }
                        None => lower_key(i.clone(), cs),
                    };
                    (k, i)
                })
                .collect();
            sort_values(&mut items)?;
            if rev {
                // Python's sort(reverse=True) keeps equal items in their order
                items.reverse();
                let mut i = 0;
                while i < items.len() {
                    let mut j = i + 1;
                    while j < items.len() && items[j].0.py_eq(&items[i].0) {
                        j += 1;
                    }
                    items[i..j].reverse();
                    i = j;
                }
            }
            Value::list(items.into_iter().map(|(_, i)| i).collect())
        }
        "string" => {
            if v.is_str() {
                v
            } else {
                Value::string(text(&v))
            }
        }
        "striptags" => Value::string(striptags(&text(&v))),
        "sum" => {
            let attr = a.get(0, "attribute");
            let mut acc = a.get(1, "start").unwrap_or(Value::Int(0));
            for i in v.iter()? {
                let x = match &attr {
                    Some(at) => attr_path(&i, at),
                    None => i,
                };
                acc = super::render::binop("+", acc, x)?;
            }
            acc
        }
        "title" => {
            let s = text(&v);
            let mut out = String::new();
            let mut word_start = true;
            for c in s.chars() {
                let sep = c.is_whitespace() || "-({[<".contains(c);
                if sep {
                    out.push(c);
                    word_start = true;
                } else if word_start {
                    out.extend(c.to_uppercase());
                    word_start = false;
                } else {
                    out.extend(c.to_lowercase());
                }
            }
            same_kind(&v, out)
        }
        "tojson" => {
            let indent = a.get(0, "indent").and_then(|i| i.int());
            let mut s = String::new();
            to_json(&v, indent.map(|i| i.max(0) as usize), 0, &mut s)?;
            let s = s
                .replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026")
                .replace('\'', "\\u0027");
            Value::markup(s)
        }
        "trim" => {
            let s = text(&v);
            let r = match a.get(0, "chars") {
                Some(Value::Str(c) | Value::Markup(c)) => {
                    s.trim_matches(|x| c.contains(x)).to_string()
                }
                _ => s.trim().to_string(),
            };
            same_kind(&v, r)
        }
        "truncate" => {
            let length = arg_int(&a, 0, "length", 255)?.max(0) as usize;
            let kill = arg_bool(&a, 1, "killwords");
            let end = a.get(2, "end").map_or_else(|| "...".into(), |e| text(&e));
            let leeway = arg_int(&a, 3, "leeway", 5)?.max(0) as usize;
            let s = text(&v);
            let chars: Vec<char> = s.chars().collect();
            if chars.len() <= length + leeway {
                same_kind(&v, s)
            } else {
                let cut: String = chars[..length.saturating_sub(end.chars().count())]
                    .iter()
                    .collect();
                let r = if kill {
                    cut + &end
                } else {
                    let head = match cut.rfind(' ') {
                        Some(i) => cut[..i].to_string(),
                        None => cut,
                    };
                    head + &end
                };
                same_kind(&v, r)
            }
        }
        "unique" => {
            let cs = arg_bool(&a, 0, "case_sensitive");
            let attr = a.get(1, "attribute");
            let mut seen: Vec<Value> = vec![];
            let mut out = vec![];
            for i in v.iter()? {
                let k = lower_key(attr.as_ref().map_or(i.clone(), |at| attr_path(&i, at)), cs);
                if !seen.iter().any(|s| s.py_eq(&k)) {
                    seen.push(k);
                    out.push(i);
                }
            }
            Value::list(out)
        }
        "urlencode" => match &v {
            Value::Dict(d) => Value::string(
                d.borrow()
                    .0
                    .iter()
                    .map(|(k, val)| {
                        format!(
                            "{}={}",
                            quote(&text(k), b"", true),
                            quote(&text(val), b"", true)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("&"),
            ),
            Value::List(_) | Value::Tuple(_) => {
                let mut parts = vec![];
                for pair in v.iter()? {
                    let kv = pair.iter()?;
                    if kv.len() == 2 {
                        parts.push(format!(
                            "{}={}",
                            quote(&text(&kv[0]), b"", true),
                            quote(&text(&kv[1]), b"", true)
                        ));
                    }
                }
                Value::string(parts.join("&"))
            }
            v => Value::string(quote(&text(v), b"/", false)),
        },
        "urlize" => {
            let r = urlize(
                &text(&v),
                a.get(0, "trim_url_limit").and_then(|x| x.int()),
                arg_bool(&a, 1, "nofollow"),
                a.get(2, "target"),
            );
            if auto {
                Value::markup(r)
            } else {
                Value::string(r)
            }
        }
        "wordcount" => Value::Int(
            text(&v)
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .count() as i64,
        ),
        "wordwrap" => {
            let width = arg_int(&a, 0, "width", 79)?.max(1) as usize;
            let long = a.get(1, "break_long_words").is_none_or(|b| b.truthy());
            let wrap = a
                .get(2, "wrapstring")
                .map_or_else(|| "\n".into(), |w| text(&w));
            let s = text(&v);
            let paras: Vec<String> = splitlines(&s)
                .iter()
                .map(|l| textwrap(l, width, long).join(&wrap))
                .collect();
            Value::string(paras.join(&wrap))
        }
        "xmlattr" => {
            let autospace = a.get(0, "autospace").is_none_or(|b| b.truthy());
            let Value::Dict(d) = &v else {
                bail!("xmlattr: a mapping is required, not {}", v.type_name());
            };
            let mut items = vec![];
            for (k, val) in &d.borrow().0 {
                if matches!(val, Value::None | Value::Undefined) {
                    continue;
                }
                let ks = text(k);
                if ks.chars().any(|c| c.is_whitespace() || "/>=".contains(c)) {
                    bail!("invalid character in attribute name: {}", k.repr());
                }
                items.push(format!("{}=\"{}\"", escape_value(k), escape_value(val)));
            }
            let mut rv = items.join(" ");
            if autospace && !rv.is_empty() {
                rv.insert(0, ' ');
            }
            if auto {
                Value::markup(rv)
            } else {
                Value::string(rv)
            }
        }
        _ => v,
    })
}

fn py_replacen(s: &str, old: &str, new: &str, count: usize) -> String {
    if old.is_empty() {
        // Python inserts `new` between every character (and at both ends)
        let mut out = String::new();
        let mut n = 0;
        for c in s.chars() {
            if n < count {
                out.push_str(new);
                n += 1;
            }
            out.push(c);
        }
        if n < count {
            out.push_str(new);
        }
        return out;
    }
    s.replacen(old, new, count)
}

/// Python's `round(x, n)`: round half to even on the exact binary value.
fn py_round(x: f64, p: i64) -> f64 {
    if p >= 0 {
        format!("{:.*}", p as usize, x).parse().unwrap_or(x)
    } else {
        let m = 10f64.powi((-p) as i32);
        let y = x / m;
        let r = y.round();
        let r = if (y - y.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
            r - y.signum()
        } else {
            r
        };
        r * m
    }
}

fn py_float(s: &str) -> Option<f64> {
    let t = s.trim().replace('_', "");
    match t.to_lowercase().as_str() {
        "inf" | "+inf" | "infinity" => return Some(f64::INFINITY),
        "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => return Some(f64::NAN),
        _ => {}
    }
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) {
        return None;
    }
    t.parse().ok()
}

fn py_int(s: &str, base: u32) -> Option<i64> {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let (t, base) = match (lower.get(..2), base) {
        (Some("0x"), 16 | 0) => (&t[2..], 16),
        (Some("0o"), 8 | 0) => (&t[2..], 8),
        (Some("0b"), 2 | 0) => (&t[2..], 2),
        (_, 0) => (t, 10),
        (_, b) => (t, b),
    };
    let v = i64::from_str_radix(&t.replace('_', ""), base).ok()?;
    Some(if neg { -v } else { v })
}

/// Python's `str.splitlines()` for the usual line ends.
pub fn splitlines(s: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => out.push(std::mem::take(&mut cur)),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(std::mem::take(&mut cur));
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `textwrap.wrap` with expand_tabs and replace_whitespace off (the common cases).
fn textwrap(line: &str, width: usize, break_long: bool) -> Vec<String> {
    // chunks: words and whitespace runs
    let mut chunks: Vec<String> = vec![];
    let mut cur = String::new();
    let mut ws = None;
    for c in line.chars() {
        let is_ws = c.is_whitespace();
        if ws != Some(is_ws) && !cur.is_empty() {
            chunks.push(std::mem::take(&mut cur));
        }
        ws = Some(is_ws);
        cur.push(c);
    }
    if !cur.is_empty() {
        chunks.push(cur);
    }
    chunks.reverse();
    let mut lines = vec![];
    while !chunks.is_empty() {
        let mut cur_line: Vec<String> = vec![];
        let mut len = 0;
        if chunks.last().is_some_and(|c| c.trim().is_empty()) && !lines.is_empty() {
            chunks.pop();
        }
        while let Some(c) = chunks.last() {
            let l = c.chars().count();
            if len + l <= width {
                len += l;
                cur_line.push(chunks.pop().unwrap_or_default());
            } else {
                break;
            }
        }
        if let Some(c) = chunks.last()
            && c.chars().count() > width
        {
            let space_left = if width > len { width - len } else { 1 };
            if break_long {
                let c = chunks.pop().unwrap_or_default();
                let head: String = c.chars().take(space_left).collect();
                let tail: String = c.chars().skip(space_left).collect();
                cur_line.push(head);
                chunks.push(tail);
            } else if cur_line.is_empty() {
                cur_line.push(chunks.pop().unwrap_or_default());
            }
        }
        while cur_line.last().is_some_and(|c| c.trim().is_empty()) {
            cur_line.pop();
        }
        if !cur_line.is_empty() {
            lines.push(cur_line.concat());
        }
    }
    lines
}

/// markupsafe's `striptags`: comments and tags removed, whitespace collapsed, entities decoded.
fn striptags(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    loop {
        let c = rest.find("<!--");
        let t = rest.find('<');
        match (c, t) {
            (Some(ci), Some(ti)) if ci <= ti => {
                out.push_str(&rest[..ci]);
                if let Some(e) = rest[ci + 4..].find("-->") {
                    rest = &rest[ci + 4 + e + 3..];
                } else {
                    out.push_str(&rest[ci..]);
                    break;
                }
            }
            (_, Some(ti)) => {
                out.push_str(&rest[..ti]);
                if let Some(e) = rest[ti + 1..].find('>') {
                    rest = &rest[ti + 1 + e + 1..];
                } else {
                    out.push_str(&rest[ti..]);
                    break;
                }
            }
            _ => {
                out.push_str(rest);
                break;
            }
        }
    }
    let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    unescape(&collapsed)
}

/// HTML entities back to characters (the common named ones and numeric references).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e < 12);
        let decoded = end.and_then(|e| {
            let ent = &rest[1..e];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                "copy" => Some('©'),
                _ => ent.strip_prefix('#').and_then(|n| {
                    match n.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok(),
                        None => n.parse().ok(),
                    }
                    .and_then(char::from_u32)
                }),
            };
            c.map(|c| (c, e))
        });
        if let Some((c, e)) = decoded {
            out.push(c);
            rest = &rest[e + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Python's `urllib.parse.quote` (`plus`: `quote_plus`, a space is `+`).
pub fn quote(s: &str, safe: &[u8], plus: bool) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || safe.contains(&b) {
            out.push(b as char);
        } else if plus && b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `json.dumps(v, sort_keys=True, indent=…)` with ensure_ascii; the undefined is `""`.
pub fn to_json(v: &Value, indent: Option<usize>, level: usize, out: &mut String) -> Result<()> {
    let nl = |out: &mut String, level: usize| {
        if let Some(n) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * level));
        }
    };
    match v {
        Value::Undefined => out.push_str("\"\""),
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(x) => out.push_str(&if x.is_nan() {
            "NaN".into()
        } else if x.is_infinite() {
            if *x > 0.0 {
                "Infinity".into()
            } else {
                "-Infinity".into()
            }
        } else {
            float_repr(*x)
        }),
        Value::Str(s) | Value::Markup(s) => crate::dialect::python::json_str(s, out),
        Value::List(_) | Value::Tuple(_) => {
            let items = v.iter()?;
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    if indent.is_none() {
                        out.push(' ');
                    }
                }
                nl(out, level + 1);
                to_json(x, indent, level + 1, out)?;
            }
            nl(out, level);
            out.push(']');
        }
        Value::Dict(d) => {
            let mut items: Vec<(String, Value)> = vec![];
            for (k, x) in &d.borrow().0 {
                let k = match k {
                    Value::Str(s) | Value::Markup(s) => s.to_string(),
                    Value::None => "null".into(),
                    Value::Bool(b) => b.to_string(),
                    Value::Int(i) => i.to_string(),
                    Value::Float(f) => float_repr(*f),
                    k => bail!(
                        "keys must be str, int, float, bool or None, not {}",
                        k.type_name()
                    ),
                };
                items.push((k, x.clone()));
            }
            let items = super::value::stable_sort(items, &|a, b| a.0 <= b.0);
            if items.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, x)) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    if indent.is_none() {
                        out.push(' ');
                    }
                }
                nl(out, level + 1);
                to_json(&Value::str(k), None, 0, out)?;
                out.push_str(": ");
                to_json(x, indent, level + 1, out)?;
            }
            nl(out, level);
            out.push('}');
        }
        v => bail!("Object of type {} is not JSON serializable", v.type_name()),
    }
    Ok(())
}

/// Jinja2's `urlize` for http(s)://, www. and e-mail addresses (rel="noopener").
fn urlize(s: &str, limit: Option<i64>, nofollow: bool, target: Option<Value>) -> String {
    let mut rel = vec!["noopener"];
    if nofollow {
        rel.insert(0, "nofollow");
    }
    let rel = rel.join(" ");
    let target_attr = match target {
        Some(Value::Str(t) | Value::Markup(t)) => format!(" target=\"{}\"", escape(&t)),
        _ => String::new(),
    };
    let trim = |u: &str| -> String {
        match limit {
            Some(l) if u.chars().count() > l as usize => {
                let head: String = u.chars().take(l as usize).collect();
                format!("{head}...")
            }
            _ => u.to_string(),
        }
    };
    let mut out = String::new();
    let mut first = true;
    for word in s.split_inclusive(char::is_whitespace) {
        let (w, ws) = match word.char_indices().last() {
            Some((i, c)) if c.is_whitespace() => (&word[..i], &word[i..]),
            _ => (word, ""),
        };
        let _ = first;
        first = false;
        let lead_end = w.find(|c: char| !"(<&lt;".contains(c)).unwrap_or(w.len());
        let (head, rest) = w.split_at(lead_end.min(w.len()));
        let mut mid = rest;
        let mut tail = "";
        while let Some(c) = mid.chars().last() {
            if ".,)>\n!:;".contains(c)
                || (c == ')' && mid.matches('(').count() < mid.matches(')').count())
            {
                tail = &rest[mid.len() - c.len_utf8()..];
                mid = &mid[..mid.len() - c.len_utf8()];
            } else {
                break;
            }
        }
        let link = if mid.starts_with("http://") || mid.starts_with("https://") {
            Some(format!(
                "<a href=\"{}\" rel=\"{rel}\"{target_attr}>{}</a>",
                escape(mid),
                escape(&trim(mid))
            ))
        } else if mid.starts_with("www.") {
            Some(format!(
                "<a href=\"https://{}\" rel=\"{rel}\"{target_attr}>{}</a>",
                escape(mid),
                escape(&trim(mid))
            ))
        } else if mid.contains('@')
            && !mid.starts_with('@')
            && mid.split('@').nth(1).is_some_and(|d| d.contains('.'))
            && !mid.contains(':')
        {
            Some(format!(
                "<a href=\"mailto:{}\">{}</a>",
                escape(mid),
                escape(mid)
            ))
        } else {
            None
        };
        match link {
            Some(l) => {
                out.push_str(&escape(head));
                out.push_str(&l);
                out.push_str(&escape(tail));
            }
            None => out.push_str(&escape(w)),
        }
        out.push_str(&escape(ws));
    }
    out
}
