//! Template values with Python's meaning: truth, `str()`, `repr()`, comparisons, and Django's
//! `SafeData` mark on strings (a safe string is never escaped again).

use std::cmp::Ordering;
use std::rc::Rc;

pub use crate::dialect::python::{float_repr, str_repr};

/// A value inside a render (JSON context values, literals, filter results).
#[derive(Debug, Clone)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string, and whether it is marked safe.
    Str(Rc<str>, bool),
    List(Rc<Vec<Value>>),
    /// A dict, keys in the context's order.
    Dict(Rc<Vec<(String, Value)>>),
    /// `block` inside `{% block name %}` (for `block.super`).
    Block(Rc<str>),
}

impl Value {
    pub fn str(s: impl Into<Rc<str>>) -> Value {
        Value::Str(s.into(), false)
    }
    pub fn safe(s: impl Into<Rc<str>>) -> Value {
        Value::Str(s.into(), true)
    }
    pub fn empty() -> Value {
        Value::Str("".into(), false)
    }

    pub fn from_json(v: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match v {
            J::Null => Value::None,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::str(s.as_str()),
            J::Array(a) => Value::List(Rc::new(a.iter().map(Value::from_json).collect())),
            J::Object(o) => Value::Dict(Rc::new(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            )),
        }
    }

    pub fn is_safe(&self) -> bool {
        matches!(self, Value::Str(_, true))
    }

    /// Python truth.
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s, _) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Dict(d) => !d.is_empty(),
            Value::Block(_) => true,
        }
    }

    /// Python `str()`.
    pub fn to_str(&self) -> Rc<str> {
        match self {
            Value::Str(s, _) => s.clone(),
            other => other.repr_or_str(false).into(),
        }
    }

    /// Python `repr()`.
    pub fn repr(&self) -> String {
        self.repr_or_str(true)
    }

    fn repr_or_str(&self, repr: bool) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => float_repr(*f),
            Value::Str(s, _) if repr => str_repr(s),
            Value::Str(s, _) => s.to_string(),
            Value::List(l) => {
                let items: Vec<String> = l.iter().map(Value::repr).collect();
                format!("[{}]", items.join(", "))
            }
            Value::Dict(d) => {
                let items: Vec<String> = d
                    .iter()
                    .map(|(k, v)| format!("{}: {}", str_repr(k), v.repr()))
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
            Value::Block(name) => format!("<Block Node: {name}>"),
        }
    }

    /// Length as Python's `len()` (`None` when it has none).
    pub fn py_len(&self) -> Option<usize> {
        match self {
            Value::Str(s, _) => Some(s.chars().count()),
            Value::List(l) => Some(l.len()),
            Value::Dict(d) => Some(d.len()),
            _ => None,
        }
    }

    /// Iterates as Python does (a dict gives its keys, a string its characters).
    pub fn iter_items(&self) -> Option<Vec<Value>> {
        match self {
            Value::List(l) => Some(l.as_ref().clone()),
            Value::Dict(d) => Some(d.iter().map(|(k, _)| Value::str(k.as_str())).collect()),
            Value::Str(s, safe) => Some(
                s.chars()
                    .map(|c| Value::Str(c.to_string().into(), *safe))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The number, if it is one (bools count, as in Python).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// Python `int(x)`.
    pub fn to_int(&self) -> Option<i64> {
        match self {
            Value::Int(_) | Value::Bool(_) => self.as_int(),
            Value::Float(f) if f.is_finite() => Some(f.trunc() as i64),
            Value::Str(s, _) => parse_int(s),
            _ => None,
        }
    }

    /// Python `==`.
    pub fn py_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Str(a, _), Value::Str(b, _)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.py_eq(y))
            }
            (Value::Dict(a), Value::Dict(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v.py_eq(v2)))
            }
            _ => match (self.as_f64(), other.as_f64()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }

    /// Python ordering (`None`: the types cannot be compared, which Django's `{% if %}` treats
    /// as false).
    pub fn py_cmp(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Str(a, _), Value::Str(b, _)) => Some(a.as_ref().cmp(b.as_ref())),
            (Value::List(a), Value::List(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    if !x.py_eq(y) {
                        return x.py_cmp(y);
                    }
                }
                Some(a.len().cmp(&b.len()))
            }
            _ => self.as_f64()?.partial_cmp(&other.as_f64()?),
        }
    }

    /// Python `in`: `self in container` (`None`: a TypeError).
    pub fn is_in(&self, container: &Value) -> Option<bool> {
        match container {
            Value::Str(s, _) => match self {
                Value::Str(x, _) => Some(s.contains(x.as_ref())),
                _ => None,
            },
            Value::List(l) => Some(l.iter().any(|x| x.py_eq(self))),
            Value::Dict(d) => Some(match self {
                Value::Str(x, _) => d.iter().any(|(k, _)| k.as_str() == x.as_ref()),
                _ => false,
            }),
            _ => None,
        }
    }
}

/// Python's `int("…")`: optional sign, digits, surrounding spaces, `_` between digits.
pub fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    if !digits.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return None;
    }
    t.replace('_', "").parse().ok()
}

/// Python's `float("…")` for the usual spellings.
pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        return lower.replace("infinity", "inf").parse().ok();
    }
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE_".contains(c))
    {
        return None;
    }
    t.replace('_', "").parse().ok()
}

/// A float as Django prints it in a template (`localize`: positional notation, no exponent).
pub fn float_display(f: f64) -> String {
    let r = float_repr(f);
    if r.contains('e') { format!("{f}") } else { r }
}

/// Django's `escape`: `& < > " '`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(s, &mut out);
    out
}

pub fn escape_into(s: &str, out: &mut String) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Django's `conditional_escape`: escaped unless safe; the result is safe.
pub fn conditional_escape(v: &Value) -> Value {
    match v {
        Value::Str(_, true) => v.clone(),
        other => Value::safe(escape(&other.to_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_spellings() {
        assert_eq!(float_repr(1.0), "1.0");
        assert_eq!(float_repr(0.1), "0.1");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e-7), "1.5e-07");
        assert_eq!(float_display(1e16), "10000000000000000");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(
            Value::List(Rc::new(vec![Value::str("a"), Value::Int(1), Value::None])).repr(),
            "['a', 1, None]"
        );
        assert_eq!(
            escape("<a href='x'>&\""),
            "&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;"
        );
        assert_eq!(parse_int(" -1_0 "), Some(-10));
    }
}
