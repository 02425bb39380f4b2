//! Django's expressions: `split_contents` (smart split of a tag), filter expressions
//! (`var.a.0|f:"arg"|g`, literals, `_("…")`), and `{% if %}` conditions with Django's
//! operator precedence (`or` < `and` < `not` < `in`/`not in` < comparisons, `is`).

use anyhow::{Result, bail};

/// A literal written in a template.
#[derive(Debug, Clone)]
pub enum Lit {
    Int(i64),
    Float(f64),
    /// A string literal: safe (Django marks literals safe).
    Str(String),
}

/// What an expression starts from.
#[derive(Debug, Clone)]
pub enum Base {
    Lit(Lit),
    /// A lookup `a.b.0`; `true`: `_(…)` around it (translated).
    Var(Vec<String>, bool),
    /// `_("text")`: the text with `%` doubled, safe.
    Trans(String),
}

/// A filter argument.
#[derive(Debug, Clone)]
pub enum Arg {
    Lit(Lit),
    Var(Vec<String>, bool),
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub name: String,
    pub arg: Option<Arg>,
    /// A name Django does not have (or one made a stub by `{% load … from … %}`): returns
    /// its input.
    pub stub: bool,
}

/// A filter expression.
#[derive(Debug, Clone)]
pub struct Expr {
    pub base: Base,
    pub filters: Vec<Filter>,
}

/// Django's `smart_split` + `split_contents`: splits on spaces, keeping quoted parts whole.
pub fn split_contents(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        let mut ok = true;
        while j < b.len() && !b[j].is_ascii_whitespace() {
            if b[j] == b'"' || b[j] == b'\'' {
                if let Some(end) = closing_quote(b, j) {
                    j = end + 1;
                } else {
                    ok = false;
                    break;
                }
            } else {
                j += 1;
            }
        }
        if !ok {
            // An unterminated quote: the rest of the word as it is.
            j = start;
            while j < b.len() && !b[j].is_ascii_whitespace() {
                j += 1;
            }
        }
        out.push(s[start..j].to_string());
        i = j;
    }
    // `_("a b")` split by the spaces inside is joined again.
    let mut joined: Vec<String> = Vec::new();
    let mut k = 0;
    while k < out.len() {
        let bit = &out[k];
        if bit.starts_with("_(\"") || bit.starts_with("_('") {
            let sentinel = format!("{})", &bit[2..3]);
            let mut parts = vec![bit.clone()];
            while !parts.last().is_some_and(|p| p.ends_with(&sentinel)) && k + 1 < out.len() {
                k += 1;
                parts.push(out[k].clone());
            }
            joined.push(parts.join(" "));
        } else {
            joined.push(bit.clone());
        }
        k += 1;
    }
    joined
}

/// The index of the quote closing the one at `start` (backslash escapes).
fn closing_quote(b: &[u8], start: usize) -> Option<usize> {
    let q = b[start];
    let mut j = start + 1;
    while j < b.len() {
        if b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == q {
            return Some(j);
        }
        j += 1;
    }
    None
}

/// Django's `unescape_string_literal` for a quoted literal, or `None`.
pub fn string_literal(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 2 || (b[0] != b'"' && b[0] != b'\'') || b[b.len() - 1] != b[0] {
        return None;
    }
    let q = &s[..1];
    Some(
        s[1..s.len() - 1]
            .replace(&format!("\\{q}"), q)
            .replace("\\\\", "\\"),
    )
}

/// Django's `Variable(text)`: a number, a string literal, `_(…)`, or a lookup.
fn variable(text: &str) -> Result<Base> {
    if let Some(n) = number(text) {
        return Ok(Base::Lit(n));
    }
    let (inner, translate) = match text.strip_prefix("_(").and_then(|t| t.strip_suffix(')')) {
        Some(inner) => (inner, true),
        None => (text, false),
    };
    if let Some(s) = string_literal(inner) {
        return Ok(if translate {
            Base::Trans(s.replace('%', "%%"))
        } else {
            Base::Lit(Lit::Str(s))
        });
    }
    if inner.starts_with('_') || inner.contains("._") {
        bail!("variables and attributes may not begin with underscores: \"{inner}\"");
    }
    Ok(Base::Var(
        inner.split('.').map(str::to_string).collect(),
        translate,
    ))
}

/// A number literal as Django reads it (`float()` when it has `.` or `e`, else `int()`).
fn number(text: &str) -> Option<Lit> {
    if text.contains('.') || text.to_ascii_lowercase().contains('e') {
        if text.ends_with('.') {
            return None;
        }
        // Python's float() also takes "inf"/"nan": Django would, too.
        let f = super::value::parse_float(text)?;
        return Some(Lit::Float(f));
    }
    super::value::parse_int(text).map(Lit::Int)
}

/// Parses a filter expression (`{{ … }}` contents, tag arguments). `is_stub(name)` says
/// whether a filter name is a stub.
pub fn parse(token: &str, is_stub: &dyn Fn(&str) -> bool) -> Result<Expr> {
    let b = token.as_bytes();
    let mut pos;
    // The start: a constant or a variable/number.
    let base_end = constant_end(b, 0)
        .or_else(|| var_end(b, 0))
        .ok_or_else(|| anyhow::anyhow!("could not find a variable at the start of \"{token}\""))?;
    let base = variable(&token[..base_end])?;
    pos = base_end;
    let mut filters = Vec::new();
    while pos < b.len() {
        let mut p = pos;
        while p < b.len() && b[p].is_ascii_whitespace() {
            p += 1;
        }
        if p >= b.len() || b[p] != b'|' {
            bail!(
                "could not parse the remainder \"{}\" of \"{token}\"",
                &token[pos..]
            );
        }
        p += 1;
        while p < b.len() && b[p].is_ascii_whitespace() {
            p += 1;
        }
        let name_start = p;
        while p < token.len() && is_word(token[p..].chars().next().unwrap_or(' ')) {
            p += token[p..].chars().next().map_or(1, char::len_utf8);
        }
        if p == name_start {
            bail!(
                "could not parse the remainder \"{}\" of \"{token}\"",
                &token[pos..]
            );
        }
        let name = token[name_start..p].to_string();
        let mut arg = None;
        if p < b.len() && b[p] == b':' {
            let a = p + 1;
            if let Some(end) = constant_end(b, a).or_else(|| var_end(b, a)) {
                arg = Some(match variable(&token[a..end])? {
                    Base::Lit(l) => Arg::Lit(l),
                    Base::Trans(s) => Arg::Lit(Lit::Str(s)),
                    Base::Var(v, t) => Arg::Var(v, t),
                });
                p = end;
            } else {
                bail!(
                    "could not parse the remainder \"{}\" of \"{token}\"",
                    &token[p..]
                );
            }
        }
        let stub = is_stub(&name);
        if !stub {
            super::filters::check_args(&name, arg.is_some())?;
        }
        filters.push(Filter { name, arg, stub });
        pos = p;
    }
    Ok(Expr { base, filters })
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The end of a constant (`"…"`, `'…'`, `_("…")`, `_('…')`) at `at`.
fn constant_end(b: &[u8], at: usize) -> Option<usize> {
    if at < b.len() && (b[at] == b'"' || b[at] == b'\'') {
        return closing_quote(b, at).map(|e| e + 1);
    }
    if b.len() > at + 2
        && b[at] == b'_'
        && b[at + 1] == b'('
        && (b[at + 2] == b'"' || b[at + 2] == b'\'')
    {
        let e = closing_quote(b, at + 2)?;
        if e + 1 < b.len() && b[e + 1] == b')' {
            return Some(e + 2);
        }
    }
    None
}

/// The end of `[\w.]+` or a number `[-+.]?\d[\d.e]*` at `at`.
fn var_end(b: &[u8], at: usize) -> Option<usize> {
    let s = std::str::from_utf8(&b[at..]).ok()?;
    let mut end = 0;
    for c in s.chars() {
        if is_word(c) || c == '.' {
            end += c.len_utf8();
        } else {
            break;
        }
    }
    if end > 0 {
        return Some(at + end);
    }
    let mut i = at;
    if i < b.len() && b"-+.".contains(&b[i]) {
        i += 1;
    }
    if i < b.len() && b[i].is_ascii_digit() {
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b'e') {
            i += 1;
        }
        return Some(i);
    }
    None
}

/// A `{% if %}` condition.
#[derive(Debug, Clone)]
pub enum Cond {
    Lit(Expr),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Op(Op, Box<Cond>, Box<Cond>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    In,
    NotIn,
    Is,
    IsNot,
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

enum Tok {
    Or,
    And,
    Not,
    Op(Op),
    Lit(Expr),
}

impl Tok {
    fn lbp(&self) -> u8 {
        match self {
            Tok::Or => 6,
            Tok::And => 7,
            Tok::Not => 8,
            Tok::Op(Op::In | Op::NotIn) => 9,
            Tok::Op(_) => 10,
            Tok::Lit(_) => 0,
        }
    }
}

/// Parses the words after `if`/`elif` (Django's `IfParser`).
pub fn parse_cond(bits: &[String], is_stub: &dyn Fn(&str) -> bool) -> Result<Cond> {
    let mut toks = Vec::new();
    let mut i = 0;
    while i < bits.len() {
        let w = bits[i].as_str();
        let next = bits.get(i + 1).map(String::as_str);
        let t = match (w, next) {
            ("is", Some("not")) => {
                i += 1;
                Tok::Op(Op::IsNot)
            }
            ("not", Some("in")) => {
                i += 1;
                Tok::Op(Op::NotIn)
            }
            ("or", _) => Tok::Or,
            ("and", _) => Tok::And,
            ("not", _) => Tok::Not,
            ("in", _) => Tok::Op(Op::In),
            ("is", _) => Tok::Op(Op::Is),
            ("==", _) => Tok::Op(Op::Eq),
            ("!=", _) => Tok::Op(Op::Ne),
            (">", _) => Tok::Op(Op::Gt),
            (">=", _) => Tok::Op(Op::Ge),
            ("<", _) => Tok::Op(Op::Lt),
            ("<=", _) => Tok::Op(Op::Le),
            _ => Tok::Lit(parse(w, is_stub)?),
        };
        toks.push(t);
        i += 1;
    }
    if toks.is_empty() {
        bail!("the if tag needs a condition");
    }
    let mut p = CondParser {
        toks: toks.into_iter().rev().collect(),
        depth: 0,
    };
    let c = p.expression(0)?;
    if !p.toks.is_empty() {
        bail!("unused words at the end of the if expression");
    }
    Ok(c)
}

struct CondParser {
    /// Reversed: the next token is last.
    toks: Vec<Tok>,
    depth: usize,
}

impl CondParser {
    fn expression(&mut self, rbp: u8) -> Result<Cond> {
        self.depth += 1;
        if self.depth > 200 {
            bail!("the if expression nests too deeply");
        }
        let Some(t) = self.toks.pop() else {
            bail!("unexpected end of the if expression");
        };
        let mut left = match t {
            Tok::Lit(e) => Cond::Lit(e),
            Tok::Not => Cond::Not(Box::new(self.expression(8)?)),
            _ => bail!("an if expression cannot start with an operator"),
        };
        while self.toks.last().is_some_and(|t| rbp < t.lbp()) {
            let t = self.toks.pop().unwrap_or(Tok::Or);
            let bp = t.lbp();
            let right = Box::new(self.expression(bp)?);
            left = match t {
                Tok::Or => Cond::Or(Box::new(left), right),
                Tok::And => Cond::And(Box::new(left), right),
                Tok::Op(op) => Cond::Op(op, Box::new(left), right),
                _ => bail!("\"not\" cannot follow a value in an if expression"),
            };
        }
        self.depth -= 1;
        Ok(left)
    }
}

/// `name=value` arguments (`with`, `include … with`); also the old `value as name` when
/// `legacy`. Returns the pairs and how many words were used.
pub fn kwargs(
    bits: &[String],
    legacy: bool,
    is_stub: &dyn Fn(&str) -> bool,
) -> Result<(Vec<(String, Expr)>, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    let kw = |b: &str| -> Option<(String, String)> {
        let (k, v) = b.split_once('=')?;
        (!k.is_empty() && k.chars().all(is_word) && !v.is_empty())
            .then(|| (k.to_string(), v.to_string()))
    };
    if bits.is_empty() {
        return Ok((out, 0));
    }
    let kwarg_format = kw(&bits[0]).is_some();
    if !(kwarg_format || legacy && bits.len() >= 3 && bits[1] == "as") {
        return Ok((out, 0));
    }
    while i < bits.len() {
        if kwarg_format {
            let Some((k, v)) = kw(&bits[i]) else { break };
            out.push((k, parse(&v, is_stub)?));
            i += 1;
        } else {
            if bits.len() < i + 3 || bits[i + 1] != "as" {
                break;
            }
            out.push((bits[i + 2].clone(), parse(&bits[i], is_stub)?));
            i += 3;
            if i < bits.len() {
                if bits[i] != "and" {
                    break;
                }
                i += 1;
            }
        }
    }
    Ok((out, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_parses() {
        assert_eq!(
            split_contents(r#"trans "a b" as c  _("x y")"#),
            vec!["trans", "\"a b\"", "as", "c", "_(\"x y\")"]
        );
        let none = |_: &str| false;
        let e = parse(r#"a.b.0|default:"x y"|upper"#, &none).unwrap();
        assert!(matches!(&e.base, Base::Var(v, false) if v.len() == 3));
        assert_eq!(e.filters.len(), 2);
        assert!(parse("a|", &none).is_err());
        assert!(parse("a b", &none).is_err());
        assert!(matches!(
            parse("-1.5", &none).unwrap().base,
            Base::Lit(Lit::Float(_))
        ));
        let c = parse_cond(&split_contents("a or b and not c == 1"), &none).unwrap();
        assert!(matches!(c, Cond::Or(..)));
    }
}
