//! Jinja2's built-in tests (`is defined`, `is divisibleby(3)`…). Under the contract an
//! unknown test is false.

use anyhow::{Result, anyhow};

use super::render::{CallArgs, Frame, Run, contains};
use super::value::Value;

pub const NAMES: &[&str] = &[
    "!=",
    "<",
    "<=",
    "==",
    ">",
    ">=",
    "boolean",
    "callable",
    "defined",
    "divisibleby",
    "eq",
    "equalto",
    "escaped",
    "even",
    "false",
    "filter",
    "float",
    "ge",
    "greaterthan",
    "gt",
    "in",
    "integer",
    "iterable",
    "le",
    "lessthan",
    "lower",
    "lt",
    "mapping",
    "ne",
    "none",
    "number",
    "odd",
    "sameas",
    "sequence",
    "string",
    "test",
    "true",
    "undefined",
    "upper",
];

pub fn apply(_run: &Run, _f: &mut Frame, name: &str, v: &Value, a: CallArgs) -> Result<bool> {
    let arg = || a.get(0, "other").unwrap_or(Value::Undefined);
    let cmp = |v: &Value, o: &Value| v.py_cmp(o);
    Ok(match name {
        "boolean" => matches!(v, Value::Bool(_)),
        "callable" => {
            matches!(v, Value::Func(_) | Value::Joiner(_) | Value::Undefined)
                || matches!(v, Value::Loop(l) if l.recursive.is_some())
        }
        "defined" => !v.is_undefined(),
        "undefined" => v.is_undefined(),
        "divisibleby" => {
            let n = a.get(0, "num").unwrap_or(Value::Int(1));
            match (v.int(), n.int()) {
                (Some(x), Some(y)) if y != 0 => x % y == 0,
                (_, Some(0)) => anyhow::bail!("integer division or modulo by zero"),
                _ => {
                    let (x, y) = (v.num(), n.num());
                    match (x, y) {
                        (Some(x), Some(y)) => x % y == 0.0,
                        _ => anyhow::bail!("divisibleby: numbers are required"),
                    }
                }
            }
        }
        "==" | "eq" | "equalto" => v.py_eq(&arg()),
        "!=" | "ne" => !v.py_eq(&arg()),
        ">" | "gt" | "greaterthan" => cmp(v, &arg())?.is_gt(),
        ">=" | "ge" => cmp(v, &arg())?.is_ge(),
        "<" | "lt" | "lessthan" => cmp(v, &arg())?.is_lt(),
        "<=" | "le" => cmp(v, &arg())?.is_le(),
        "escaped" => v.is_safe() || v.is_undefined(),
        "even" | "odd" => {
            let i = v
                .int()
                .or_else(|| v.num().filter(|x| x.fract() == 0.0).map(|x| x as i64))
                .ok_or_else(|| anyhow!("{name}: a number is required, not {}", v.type_name()))?;
            (i % 2 == 0) == (name == "even")
        }
        "false" => matches!(v, Value::Bool(false)),
        "true" => matches!(v, Value::Bool(true)),
        "filter" => v
            .as_str()
            .is_some_and(|n| super::filters::NAMES.contains(&n)),
        "test" => v.as_str().is_some_and(|n| NAMES.contains(&n)),
        "float" => matches!(v, Value::Float(_)),
        "integer" => matches!(v, Value::Int(_)),
        "number" => matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_)),
        "in" => contains(&a.get(0, "seq").unwrap_or(Value::Undefined), v)?,
        "iterable" => matches!(
            v,
            Value::Undefined
                | Value::Str(_)
                | Value::Markup(_)
                | Value::List(_)
                | Value::Tuple(_)
                | Value::Dict(_)
        ),
        "sequence" => matches!(
            v,
            Value::Undefined
                | Value::Str(_)
                | Value::Markup(_)
                | Value::List(_)
                | Value::Tuple(_)
                | Value::Dict(_)
        ),
        "lower" => {
            let s = v.to_str();
            s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase)
        }
        "upper" => {
            let s = v.to_str();
            s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase)
        }
        "mapping" => matches!(v, Value::Dict(_)),
        "none" => matches!(v, Value::None),
        "sameas" => {
            let o = arg();
            match (v, &o) {
                (Value::None, Value::None) => true,
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x), Value::Int(y)) => x == y && (-5..=256).contains(x),
                (Value::List(x), Value::List(y)) => std::rc::Rc::ptr_eq(x, y),
                (Value::Dict(x), Value::Dict(y)) => std::rc::Rc::ptr_eq(x, y),
                (Value::Undefined, Value::Undefined) => false,
                _ => false,
            }
        }
        "string" => v.is_str(),
        _ => false,
    })
}
