//! The Python methods templates call on values: `str` (`.upper()`, `.split()`, `.format()`…),
//! `list` (`.append()` for `{% do %}`…), `dict` (`.items()`, `.get(k, d)`…), and those of
//! `loop` (`cycle`, `changed`) and `cycler` (`next`, `reset`).

use std::rc::Rc;

use anyhow::{Result, bail};

use super::format::format_method;
use super::render::{CallArgs, Frame, Run};
use super::value::{Dict, Value, escape_value};

pub const STR: &[&str] = &[
    "capitalize",
    "casefold",
    "center",
    "count",
    "endswith",
    "find",
    "format",
    "index",
    "isalnum",
    "isalpha",
    "isdigit",
    "islower",
    "isspace",
    "isupper",
    "join",
    "ljust",
    "lower",
    "lstrip",
    "partition",
    "replace",
    "rfind",
    "rjust",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "startswith",
    "strip",
    "swapcase",
    "title",
    "upper",
    "zfill",
];
pub const LIST: &[&str] = &[
    "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse",
];
pub const DICT: &[&str] = &[
    "clear",
    "copy",
    "get",
    "items",
    "keys",
    "pop",
    "setdefault",
    "update",
    "values",
];

fn s_arg(a: &CallArgs, i: usize) -> Option<String> {
    a.pos.get(i).and_then(|v| match v {
        Value::None => None,
        v => Some(v.to_str()),
    })
}

pub fn call(_run: &Run, f: &mut Frame, recv: &Value, name: &str, a: CallArgs) -> Result<Value> {
    match recv {
        Value::Str(s) | Value::Markup(s) => str_method(recv, s, name, a),
        Value::List(l) => {
            let arg = a.pos.first().cloned().unwrap_or(Value::None);
            Ok(match name {
                "append" => {
                    l.borrow_mut().push(arg);
                    Value::None
                }
                "extend" => {
                    let items = arg.iter()?;
                    l.borrow_mut().extend(items);
                    Value::None
                }
                "insert" => {
                    let mut v = l.borrow_mut();
                    let len = v.len() as i64;
                    let i = arg.int().unwrap_or(0);
                    let i = if i < 0 { (i + len).max(0) } else { i.min(len) } as usize;
                    v.insert(i, a.pos.get(1).cloned().unwrap_or(Value::None));
                    Value::None
                }
                "pop" => {
                    let mut v = l.borrow_mut();
                    let len = v.len() as i64;
                    let i = a.pos.first().and_then(Value::int).unwrap_or(-1);
                    let i = if i < 0 { i + len } else { i };
                    if !(0..len).contains(&i) {
                        bail!("pop index out of range");
                    }
                    v.remove(i as usize)
                }
                "remove" => {
                    let mut v = l.borrow_mut();
                    match v.iter().position(|x| x.py_eq(&arg)) {
                        Some(i) => {
                            v.remove(i);
                        }
                        None => bail!("list.remove(x): x not in list"),
                    }
                    Value::None
                }
                "index" => match l.borrow().iter().position(|x| x.py_eq(&arg)) {
                    Some(i) => Value::Int(i as i64),
                    None => bail!("{} is not in list", arg.repr()),
                },
                "count" => Value::Int(l.borrow().iter().filter(|x| x.py_eq(&arg)).count() as i64),
                "reverse" => {
                    l.borrow_mut().reverse();
                    Value::None
                }
                "copy" => Value::list(l.borrow().clone()),
                "clear" => {
                    l.borrow_mut().clear();
                    Value::None
                }
                _ => Value::Undefined,
            })
        }
        Value::Dict(d) => {
            let arg = a.pos.first().cloned().unwrap_or(Value::None);
            Ok(match name {
                "items" => Value::list(
                    d.borrow()
                        .0
                        .iter()
                        .map(|(k, v)| Value::Tuple(Rc::new(vec![k.clone(), v.clone()])))
                        .collect(),
                ),
                "keys" => Value::list(d.borrow().0.iter().map(|(k, _)| k.clone()).collect()),
                "values" => Value::list(d.borrow().0.iter().map(|(_, v)| v.clone()).collect()),
                "get" => d
                    .borrow()
                    .get(&arg)
                    .cloned()
                    .unwrap_or_else(|| a.pos.get(1).cloned().unwrap_or(Value::None)),
                "pop" => {
                    let mut dm = d.borrow_mut();
                    match dm.0.iter().position(|(k, _)| k.py_eq(&arg)) {
                        Some(i) => dm.0.remove(i).1,
                        None => match a.pos.get(1) {
                            Some(v) => v.clone(),
                            None => bail!("KeyError: {}", arg.repr()),
                        },
                    }
                }
                "setdefault" => {
                    let existing = d.borrow().get(&arg).cloned();
                    if let Some(v) = existing {
                        v
                    } else {
                        let v = a.pos.get(1).cloned().unwrap_or(Value::None);
                        d.borrow_mut().insert(arg, v.clone());
                        v
                    }
                }
                "update" => {
                    if let Value::Dict(o) = &arg {
                        let items = o.borrow().0.clone();
                        for (k, v) in items {
                            d.borrow_mut().insert(k, v);
                        }
                    }
                    for (k, v) in a.kw {
                        d.borrow_mut().insert(Value::string(k), v);
                    }
                    Value::None
                }
                "copy" => Value::dict(Dict(d.borrow().0.clone())),
                "clear" => {
                    d.borrow_mut().0.clear();
                    Value::None
                }
                _ => Value::Undefined,
            })
        }
        Value::Loop(l) => Ok(match name {
            "cycle" => {
                if a.pos.is_empty() {
                    bail!("no items for cycling given");
                }
                a.pos[l.index0.get() % a.pos.len()].clone()
            }
            "changed" => {
                let mut last = l.changed.borrow_mut();
                let changed = match &*last {
                    Some(prev) => {
                        prev.len() != a.pos.len()
                            || prev.iter().zip(a.pos.iter()).any(|(x, y)| !x.py_eq(y))
                    }
                    None => true,
                };
                if changed {
                    *last = Some(a.pos);
                }
                Value::Bool(changed)
            }
            _ => Value::Undefined,
        }),
        Value::Cycler(c) => Ok(match name {
            "next" => {
                let mut c = c.borrow_mut();
                if c.0.is_empty() {
                    return Ok(Value::Undefined);
                }
                let v = c.0[c.1].clone();
                c.1 = (c.1 + 1) % c.0.len();
                v
            }
            "reset" => {
                c.borrow_mut().1 = 0;
                Value::None
            }
            _ => Value::Undefined,
        }),
        _ => {
            let _ = f;
            Ok(Value::Undefined)
        }
    }
}

fn str_method(recv: &Value, s: &str, name: &str, a: CallArgs) -> Result<Value> {
    let safe = recv.is_safe();
    let wrap = |r: String| {
        if safe {
            Value::markup(r)
        } else {
            Value::string(r)
        }
    };
    // Markup's methods escape their string arguments
    let sarg = |i: usize| -> Option<String> {
        a.pos.get(i).and_then(|v| match v {
            Value::None => None,
            v if safe => Some(escape_value(v)),
            v => Some(v.to_str()),
        })
    };
    let strip_set = |i: usize| s_arg(&a, i);
    Ok(match name {
        "upper" => wrap(s.to_uppercase()),
        "lower" | "casefold" => wrap(s.to_lowercase()),
        "swapcase" => wrap(
            s.chars()
                .flat_map(|c| {
                    if c.is_uppercase() {
                        c.to_lowercase().collect::<Vec<_>>()
                    } else {
                        c.to_uppercase().collect()
                    }
                })
                .collect(),
        ),
        "strip" | "lstrip" | "rstrip" => {
            let set = strip_set(0);
            let pred = |c: char| match &set {
                Some(chars) => chars.contains(c),
                None => c.is_whitespace(),
            };
            wrap(
                match name {
                    "strip" => s.trim_matches(pred),
                    "lstrip" => s.trim_start_matches(pred),
                    _ => s.trim_end_matches(pred),
                }
                .to_string(),
            )
        }
        "startswith" | "endswith" => {
            let prefixes: Vec<String> = match a.pos.first() {
                Some(Value::Tuple(t)) => t.iter().map(Value::to_str).collect(),
                Some(v) => vec![v.to_str()],
                None => vec![],
            };
            Value::Bool(prefixes.iter().any(|p| {
                if name == "startswith" {
                    s.starts_with(p.as_str())
                } else {
                    s.ends_with(p.as_str())
                }
            }))
        }
        "split" | "rsplit" => {
            let sep = s_arg(&a, 0).or_else(|| {
                a.kw.iter()
                    .find(|(k, _)| k == "sep")
                    .map(|(_, v)| v.to_str())
            });
            let max = a
                .pos
                .get(1)
                .or_else(|| a.kw.iter().find(|(k, _)| k == "maxsplit").map(|(_, v)| v))
                .and_then(Value::int)
                .filter(|m| *m >= 0)
                .map(|m| m as usize);
            let parts: Vec<String> = match (&sep, name) {
                (Some(sep), "split") => match max {
                    Some(m) => s.splitn(m + 1, sep.as_str()).map(String::from).collect(),
                    None => s.split(sep.as_str()).map(String::from).collect(),
                },
                (Some(sep), _) => {
                    let mut v: Vec<String> = match max {
                        Some(m) => s.rsplitn(m + 1, sep.as_str()).map(String::from).collect(),
                        None => s.rsplit(sep.as_str()).map(String::from).collect(),
                    };
                    v.reverse();
                    v
                }
                (None, _) => {
                    let words: Vec<&str> = s.split_whitespace().collect();
                    match max {
                        Some(m) if m < words.len() => {
                            if name == "split" {
                                let mut rest = s.trim_start();
                                let mut out = vec![];
                                for _ in 0..m {
                                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                                    out.push(rest[..end].to_string());
                                    rest = rest[end..].trim_start();
                                }
                                if !rest.is_empty() {
                                    out.push(rest.to_string());
                                }
                                out
                            } else {
                                let mut rest = s.trim_end();
                                let mut out = vec![];
                                for _ in 0..m {
                                    let start =
                                        rest.rfind(char::is_whitespace).map_or(0, |i| i + 1);
                                    out.push(rest[start..].to_string());
                                    rest = rest[..start].trim_end();
                                }
                                if !rest.is_empty() {
                                    out.push(rest.to_string());
                                }
                                out.reverse();
                                out
                            }
                        }
                        _ => words.into_iter().map(String::from).collect(),
                    }
                }
            };
            Value::list(parts.into_iter().map(wrap).collect())
        }
        "splitlines" => Value::list(
            super::filters::splitlines(s)
                .into_iter()
                .map(wrap)
                .collect(),
        ),
        "replace" => {
            let old = s_arg(&a, 0).unwrap_or_default();
            let new = sarg(1).unwrap_or_default();
            let count = a.pos.get(2).and_then(Value::int).filter(|c| *c >= 0);
            wrap(match count {
                Some(c) => s.replacen(&old, &new, c as usize),
                None => s.replace(&old, &new),
            })
        }
        "format" => format_method(recv, &a.pos, &a.kw)?,
        "title" => {
            let mut out = String::new();
            let mut prev_cased = false;
            for c in s.chars() {
                if prev_cased {
                    out.extend(c.to_lowercase());
                } else {
                    out.extend(c.to_uppercase());
                }
                prev_cased = c.is_alphabetic();
            }
            wrap(out)
        }
        "capitalize" => {
            let mut c = s.chars();
            wrap(match c.next() {
                Some(first) => {
                    first.to_uppercase().collect::<String>() + &c.as_str().to_lowercase()
                }
                None => String::new(),
            })
        }
        "join" => {
            let items = a.pos.first().cloned().unwrap_or(Value::None).iter()?;
            if safe {
                Value::markup(items.iter().map(escape_value).collect::<Vec<_>>().join(s))
            } else {
                Value::string(items.iter().map(Value::to_str).collect::<Vec<_>>().join(s))
            }
        }
        "count" => {
            let sub = s_arg(&a, 0).unwrap_or_default();
            Value::Int(if sub.is_empty() {
                s.chars().count() as i64 + 1
            } else {
                s.matches(sub.as_str()).count() as i64
            })
        }
        "find" | "index" | "rfind" => {
            let sub = s_arg(&a, 0).unwrap_or_default();
            let at = if name == "rfind" {
                s.rfind(sub.as_str())
            } else {
                s.find(sub.as_str())
            };
            match at {
                Some(i) => Value::Int(s[..i].chars().count() as i64),
                None if name == "index" => bail!("substring not found"),
                None => Value::Int(-1),
            }
        }
        "isdigit" => Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        "isalpha" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
        "isalnum" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
        "isspace" => Value::Bool(!s.is_empty() && s.chars().all(char::is_whitespace)),
        "islower" => {
            Value::Bool(s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase))
        }
        "isupper" => {
            Value::Bool(s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase))
        }
        "center" | "ljust" | "rjust" | "zfill" => {
            let w = a.pos.first().and_then(Value::int).unwrap_or(0).max(0) as usize;
            let fill = s_arg(&a, 1)
                .and_then(|f| f.chars().next())
                .unwrap_or(if name == "zfill" { '0' } else { ' ' });
            let n = s.chars().count();
            if n >= w {
                wrap(s.to_string())
            } else {
                let pad = w - n;
                let rep = |k: usize| fill.to_string().repeat(k);
                wrap(match name {
                    "ljust" => format!("{s}{}", rep(pad)),
                    "rjust" => format!("{}{s}", rep(pad)),
                    "zfill" => match s.strip_prefix(['-', '+']) {
                        Some(rest) => format!("{}{}{rest}", &s[..1], rep(pad)),
                        None => format!("{}{s}", rep(pad)),
                    },
                    _ => {
                        let left = pad / 2 + (pad & w & 1);
                        format!("{}{s}{}", rep(left), rep(pad - left))
                    }
                })
            }
        }
        "partition" => {
            let sep = s_arg(&a, 0).unwrap_or_default();
            let (x, y, z) = match s.split_once(sep.as_str()) {
                Some((x, z)) => (x.to_string(), sep.clone(), z.to_string()),
                None => (s.to_string(), String::new(), String::new()),
            };
            Value::Tuple(Rc::new(vec![wrap(x), wrap(y), wrap(z)]))
        }
        _ => Value::Undefined,
    })
}
