//! Jinja2 runtime values: Python's types as templates see them (str, Markup, int, float, list,
//! tuple, dict, None, the contract's undefined) with Python's `str()`, `repr()`, truth and
//! comparison rules, and markupsafe's escaping.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

pub use crate::dialect::python::{float_repr, str_repr};

use anyhow::{Result, bail};

use super::render::{Callable, LoopState};

/// A value during one render (not `Send`: a page renders on one thread).
#[derive(Clone)]
pub enum Value {
    /// The contract's undefined: chainable, callable, "" when printed, falsy, empty.
    Undefined,
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    /// markupsafe's `Markup`: already escaped, printed as is.
    Markup(Rc<str>),
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<Vec<Value>>),
    Dict(Rc<RefCell<Dict>>),
    /// A macro, a bound method, a global function, `caller`, `super`.
    Func(Rc<Callable>),
    /// `loop` inside a for.
    Loop(Rc<LoopState>),
    /// `namespace()`: attributes settable with `{% set ns.x = … %}`.
    Namespace(Rc<RefCell<Dict>>),
    /// An imported template: its exported names.
    Module(Rc<Vars>),
    /// `cycler(…)` / `joiner(…)` state.
    Cycler(Rc<RefCell<(Vec<Value>, usize)>>),
    Joiner(Rc<(Value, std::cell::Cell<bool>)>),
}

/// Names to values (a scope, a context, an imported module): few entries, so a vector with
/// linear lookup, in insertion order.
#[derive(Clone, Default)]
pub struct Vars(Vec<(String, Value)>);

impl Vars {
    pub fn get(&self, k: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v)
    }
    pub fn contains_key(&self, k: &str) -> bool {
        self.get(k).is_some()
    }
    pub fn insert(&mut self, k: String, v: Value) {
        match self.0.iter_mut().find(|(n, _)| *n == k) {
            Some(slot) => slot.1 = v,
            None => self.0.push((k, v)),
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl FromIterator<(String, Value)> for Vars {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(it: I) -> Self {
        let mut v = Vars::default();
        for (k, x) in it {
            v.insert(k, x);
        }
        v
    }
}

/// An insertion-ordered dict (Python 3.7+).
#[derive(Clone, Default)]
pub struct Dict(pub Vec<(Value, Value)>);

impl Dict {
    pub fn get(&self, k: &Value) -> Option<&Value> {
        self.0.iter().find(|(a, _)| a.py_eq(k)).map(|(_, v)| v)
    }
    pub fn get_str(&self, k: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(a, _)| matches!(a, Value::Str(s) | Value::Markup(s) if &**s == k))
            .map(|(_, v)| v)
    }
    pub fn insert(&mut self, k: Value, v: Value) {
        match self.0.iter_mut().find(|(a, _)| a.py_eq(&k)) {
            Some(slot) => slot.1 = v,
            None => self.0.push((k, v)),
        }
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }
    pub fn string(s: String) -> Value {
        Value::Str(Rc::from(s))
    }
    pub fn markup(s: String) -> Value {
        Value::Markup(Rc::from(s))
    }
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(v)))
    }
    pub fn dict(d: Dict) -> Value {
        Value::Dict(Rc::new(RefCell::new(d)))
    }

    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::None,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Value::str(s),
            serde_json::Value::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::dict(Dict(
                o.iter()
                    .map(|(k, v)| (Value::str(k), Value::from_json(v)))
                    .collect(),
            )),
        }
    }

    pub fn is_undefined(&self) -> bool {
        matches!(self, Value::Undefined)
    }
    pub fn is_str(&self) -> bool {
        matches!(self, Value::Str(_) | Value::Markup(_))
    }
    pub fn is_safe(&self) -> bool {
        matches!(self, Value::Markup(_))
    }
    /// The text of a str or Markup.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Markup(s) => Some(s),
            _ => None,
        }
    }
    /// The undefined as "" (how filters and comparisons see it under the contract).
    pub fn or_empty(self) -> Value {
        if self.is_undefined() {
            Value::str("")
        } else {
            self
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Undefined => "Undefined",
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Markup(_) => "Markup",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Func(_) => "function",
            Value::Loop(_) => "LoopContext",
            Value::Namespace(_) => "Namespace",
            Value::Module(_) => "TemplateModule",
            Value::Cycler(_) => "Cycler",
            Value::Joiner(_) => "Joiner",
        }
    }

    /// Python truth.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Undefined | Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) | Value::Markup(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) => !d.borrow().0.is_empty(),
            _ => true,
        }
    }

    /// Python `str()`.
    pub fn to_str(&self) -> String {
        match self {
            Value::Undefined => String::new(),
            Value::Str(s) | Value::Markup(s) => s.to_string(),
            Value::Module(_) => String::new(),
            Value::Joiner(_) | Value::Cycler(_) | Value::Func(_) | Value::Loop(_) => {
                format!("<{} object>", self.type_name())
            }
            _ => self.repr(),
        }
    }

    /// Python `repr()`.
    pub fn repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Value::Undefined => out.push_str("Undefined"),
            Value::None => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) => out.push_str(&float_repr(*f)),
            Value::Str(s) => out.push_str(&str_repr(s)),
            Value::Markup(s) => {
                out.push_str("Markup(");
                out.push_str(&str_repr(s));
                out.push(')');
            }
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out);
                }
                out.push(']');
            }
            Value::Tuple(t) => {
                out.push('(');
                for (i, v) in t.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out);
                }
                if t.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Value::Dict(d) => {
                out.push('{');
                for (i, (k, v)) in d.borrow().0.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_repr(out);
                    out.push_str(": ");
                    v.write_repr(out);
                }
                out.push('}');
            }
            Value::Namespace(d) => {
                out.push_str("<Namespace {");
                for (i, (k, v)) in d.borrow().0.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_repr(out);
                    out.push_str(": ");
                    v.write_repr(out);
                }
                out.push_str("}>");
            }
            _ => out.push_str(&self.to_str()),
        }
    }

    /// Python `==` (the contract's undefined equals "").
    pub fn py_eq(&self, other: &Value) -> bool {
        use Value::{Bool, Dict, Func, Int, List, Markup, Namespace, None, Str, Tuple, Undefined};
        match (self, other) {
            (Undefined, Undefined) => true,
            (Undefined, o) | (o, Undefined) => matches!(o.as_str(), Some("")),
            (None, None) => true,
            (a, b) if a.num().is_some() && b.num().is_some() => match (a, b) {
                (Int(x), Int(y)) => x == y,
                (Bool(x), Bool(y)) => x == y,
                _ => a.num() == b.num(),
            },
            (Str(a) | Markup(a), Str(b) | Markup(b)) => a == b,
            (List(a), List(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.py_eq(y))
            }
            (Tuple(a), Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.py_eq(y))
            }
            (Dict(a), Dict(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                a.0.len() == b.0.len()
                    && a.0
                        .iter()
                        .all(|(k, v)| b.get(k).is_some_and(|w| v.py_eq(w)))
            }
            (Func(a), Func(b)) => Rc::ptr_eq(a, b),
            (Namespace(a), Namespace(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// A number as f64 (bool counts, as in Python).
    pub fn num(&self) -> Option<f64> {
        match self {
            Value::Bool(b) => Some(i64::from(*b) as f64),
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
    pub fn int(&self) -> Option<i64> {
        match self {
            Value::Bool(b) => Some(i64::from(*b)),
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Python's `<` ordering; an error where Python raises TypeError.
    pub fn py_cmp(&self, other: &Value) -> Result<Ordering> {
        use Value::{Int, List, Markup, Str, Tuple, Undefined};
        match (self, other) {
            (Undefined, o) => Value::str("").py_cmp(o),
            (o, Undefined) => o.py_cmp(&Value::str("")),
            (Int(a), Int(b)) => Ok(a.cmp(b)),
            (a, b) if a.num().is_some() && b.num().is_some() => {
                Ok(a.num().partial_cmp(&b.num()).unwrap_or(Ordering::Equal))
            }
            (Str(a) | Markup(a), Str(b) | Markup(b)) => Ok(a.cmp(b)),
            (List(a), List(b)) => seq_cmp(&a.borrow(), &b.borrow()),
            (Tuple(a), Tuple(b)) => seq_cmp(a, b),
            _ => bail!(
                "'<' not supported between instances of '{}' and '{}'",
                self.type_name(),
                other.type_name()
            ),
        }
    }

    /// The items of an iterable (dict: its keys; str: its characters; undefined: nothing).
    pub fn iter(&self) -> Result<Vec<Value>> {
        Ok(match self {
            Value::Undefined => vec![],
            Value::List(l) => l.borrow().clone(),
            Value::Tuple(t) => t.to_vec(),
            Value::Dict(d) => d.borrow().0.iter().map(|(k, _)| k.clone()).collect(),
            Value::Namespace(d) => d.borrow().0.iter().map(|(k, _)| k.clone()).collect(),
            Value::Module(m) => m.iter().map(|(k, _)| Value::str(k)).collect(),
            Value::Str(s) => s.chars().map(|c| Value::string(c.to_string())).collect(),
            Value::Markup(s) => s.chars().map(|c| Value::markup(c.to_string())).collect(),
            _ => bail!("'{}' object is not iterable", self.type_name()),
        })
    }

    /// Python `len()`.
    pub fn len(&self) -> Result<usize> {
        Ok(match self {
            Value::Str(s) | Value::Markup(s) => s.chars().count(),
            Value::List(l) => l.borrow().len(),
            Value::Tuple(t) => t.len(),
            Value::Dict(d) => d.borrow().0.len(),
            Value::Undefined => 0,
            _ => bail!("object of type '{}' has no len()", self.type_name()),
        })
    }
}

fn seq_cmp(a: &[Value], b: &[Value]) -> Result<Ordering> {
    for (x, y) in a.iter().zip(b.iter()) {
        if !x.py_eq(y) {
            return x.py_cmp(y);
        }
    }
    Ok(a.len().cmp(&b.len()))
}

/// A stable merge sort (one small function instead of the standard library's sort code for
/// each element and comparison type); `le(a, b)`: `a` may stay before `b`.
pub fn stable_sort<T>(mut v: Vec<T>, le: &dyn Fn(&T, &T) -> bool) -> Vec<T> {
    if v.len() <= 1 {
        return v;
    }
    let right = v.split_off(v.len() / 2);
    let mut a = stable_sort(v, le).into_iter().peekable();
    let mut b = stable_sort(right, le).into_iter().peekable();
    let mut out = Vec::with_capacity(a.len() + b.len());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => le(x, y),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
}

/// markupsafe's `escape()`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `escape(v)` as markupsafe does it: Markup stays, everything else is `str()`-ed and escaped.
pub fn escape_value(v: &Value) -> String {
    match v {
        Value::Markup(s) => s.to_string(),
        v => escape(&v.to_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        assert_eq!(float_repr(1.0), "1.0");
        assert_eq!(float_repr(0.1), "0.1");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e-7), "1.5e-07");
        assert_eq!(float_repr(123456.789), "123456.789");
    }

    #[test]
    fn repr_of_strings_picks_quotes_as_python() {
        assert_eq!(str_repr("a'b"), "\"a'b\"");
        assert_eq!(str_repr("a\"b'"), "'a\"b\\''");
    }
}
