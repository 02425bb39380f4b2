//! A catalog's `Plural-Forms` expression (`plural=n != 1`), parsed once when the catalog is
//! read and evaluated for every `ngettext`. It is read the way Python's `gettext.c2py` reads
//! it, because the engines downpage mirrors (Django, Jinja2 with Babel) are Python: the C
//! expression is first rewritten into Python's (`&&` → `and`, `/` → `//`, `!` → `not`), then
//! evaluated with Python's meaning (`and`/`or` give an operand, `not` binds looser than
//! arithmetic and comparisons, `//` and `%` round towards minus infinity). On the expressions
//! catalogs really use this is C's meaning too.
//!
//! Evaluation never panics: a division by zero or an overflow gives `None` (Python raises
//! there; downpage treats the message as untranslated). The expression is at most 1,000
//! characters and 20 parentheses deep, as in Python, which bounds the recursion.

use anyhow::{Result, bail};

/// Longest expression accepted (Python's limit).
const MAX_LEN: usize = 1000;
/// Deepest parenthesis nesting of the rewritten expression (Python's limit).
const MAX_DEPTH: usize = 20;

/// A compiled plural expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plural {
    expr: Expr,
}

impl Default for Plural {
    /// gettext's rule when a catalog has no `Plural-Forms`: `n != 1`.
    fn default() -> Plural {
        Plural {
            expr: Expr::Cmp(Box::new(Expr::N), vec![(CmpOp::Ne, Expr::Int(1))]),
        }
    }
}

impl Plural {
    /// Compiles `plural`, the text after `plural=` (without the `;`). The error says what is
    /// wrong, without naming the catalog (the caller adds it).
    pub fn parse(plural: &str) -> Result<Plural> {
        if plural.chars().count() > MAX_LEN {
            bail!("plural form expression is too long (over {MAX_LEN} characters)");
        }
        let tokens = tokenize(plural)?;
        let mut c = CParser {
            tokens: &tokens,
            pos: 0,
            depth: 0,
        };
        let py = c.parse(-1)?;
        if let Some(tok) = c.peek() {
            bail!("unexpected token in plural form: {tok}");
        }
        let mut depth = 0usize;
        for t in &py {
            match t {
                Py::Open => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        bail!(
                            "plural form expression is too complex (over {MAX_DEPTH} parentheses deep)"
                        );
                    }
                }
                Py::Close => depth -= 1,
                _ => {}
            }
        }
        let mut p = PyParser {
            tokens: &py,
            pos: 0,
        };
        let expr = p.test()?;
        if p.pos != py.len() {
            bail!("plural form expression could not be read");
        }
        Ok(Plural { expr })
    }

    /// The plural form index for `n`; `None` when the expression divides by zero, overflows
    /// or gives a negative number (no form has that index).
    pub fn index(&self, n: u64) -> Option<usize> {
        let v = self.expr.eval(i128::from(n))?;
        usize::try_from(v).ok()
    }

    /// The raw value for `n` (may be negative); `None` on division by zero or overflow.
    pub fn eval(&self, n: u64) -> Option<i128> {
        self.expr.eval(i128::from(n))
    }
}

// ---- stage 1: tokens of the C expression, rewritten as c2py does -----------------------

/// A token of the C expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    N,
    Int(i128),
    Op(&'static str),
    Open,
    Close,
}

impl std::fmt::Display for Tok {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::N => f.write_str("n"),
            Tok::Int(v) => write!(f, "{v}"),
            Tok::Op(op) => f.write_str(op),
            Tok::Open => f.write_str("("),
            Tok::Close => f.write_str(")"),
        }
    }
}

const OPS: &[&str] = &[
    "||", "&&", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":",
];

/// Python's `\w` for one character.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn tokenize(text: &str) -> Result<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' || c == '\t' {
            i += 1;
            continue;
        }
        // A number or `n` must end at a word boundary; else the whole word is invalid.
        let word_end = |mut j: usize| {
            while j < chars.len() && is_word(chars[j]) {
                j += 1;
            }
            j
        };
        if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            if j < chars.len() && is_word(chars[j]) {
                let w: String = chars[i..word_end(i)].iter().collect();
                bail!("invalid token in plural form: {w}");
            }
            let digits: String = chars[i..j].iter().collect();
            let value = digits
                .parse::<i128>()
                .map_err(|_| anyhow::anyhow!("number too large in plural form: {digits}"))?;
            out.push(Tok::Int(value));
            i = j;
            continue;
        }
        if c == 'n' && !(i + 1 < chars.len() && is_word(chars[i + 1])) {
            out.push(Tok::N);
            i += 1;
            continue;
        }
        if c == '(' || c == ')' {
            out.push(if c == '(' { Tok::Open } else { Tok::Close });
            i += 1;
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            out.push(Tok::Op(op));
            i += op.chars().count();
            continue;
        }
        let w: String = if is_word(c) {
            chars[i..word_end(i)].iter().collect()
        } else {
            c.to_string()
        };
        bail!("invalid token in plural form: {w:?}");
    }
    Ok(out)
}

/// A token of the rewritten (Python) expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Py {
    N,
    Int(i128),
    Not,
    And,
    Or,
    If,
    Else,
    Open,
    Close,
    Bin(BinOp),
    Cmp(CmpOp),
}

fn binary_priority(tok: &Tok) -> Option<i32> {
    let Tok::Op(op) = tok else { return None };
    Some(match *op {
        "||" => 1,
        "&&" => 2,
        "==" | "!=" => 3,
        "<" | ">" | "<=" | ">=" => 4,
        "+" | "-" => 5,
        "*" | "/" | "%" => 6,
        _ => return None,
    })
}

fn python_op(op: &str) -> Py {
    match op {
        "||" => Py::Or,
        "&&" => Py::And,
        "==" => Py::Cmp(CmpOp::Eq),
        "!=" => Py::Cmp(CmpOp::Ne),
        "<" => Py::Cmp(CmpOp::Lt),
        ">" => Py::Cmp(CmpOp::Gt),
        "<=" => Py::Cmp(CmpOp::Le),
        ">=" => Py::Cmp(CmpOp::Ge),
        "+" => Py::Bin(BinOp::Add),
        "-" => Py::Bin(BinOp::Sub),
        "*" => Py::Bin(BinOp::Mul),
        "/" => Py::Bin(BinOp::Div),
        _ => Py::Bin(BinOp::Mod),
    }
}

/// c2py's `_parse`, producing Python tokens instead of a string.
struct CParser<'a> {
    tokens: &'a [Tok],
    pos: usize,
    depth: usize,
}

fn paren(mut inner: Vec<Py>) -> Vec<Py> {
    inner.insert(0, Py::Open);
    inner.push(Py::Close);
    inner
}

impl CParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn unexpected(tok: Option<&Tok>) -> anyhow::Error {
        match tok {
            Some(t) => anyhow::anyhow!("unexpected token in plural form: {t}"),
            None => anyhow::anyhow!("unexpected end of plural form"),
        }
    }

    fn parse(&mut self, priority: i32) -> Result<Vec<Py>> {
        let mut result = Vec::new();
        let mut tok = self.next();
        while tok == Some(Tok::Op("!")) {
            result.push(Py::Not);
            tok = self.next();
        }
        match tok {
            Some(Tok::Open) => {
                // The rewritten expression is at least as deep, so Python refuses this
                // too: stop before using more stack.
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    bail!(
                        "plural form expression is too complex (over {MAX_DEPTH} parentheses deep)"
                    );
                }
                let sub = self.parse(-1)?;
                self.depth -= 1;
                result.extend(paren(sub));
                if self.next() != Some(Tok::Close) {
                    bail!("unbalanced parenthesis in plural form");
                }
            }
            Some(Tok::N) => result.push(Py::N),
            Some(Tok::Int(v)) => result.push(Py::Int(v)),
            other => return Err(Self::unexpected(other.as_ref())),
        }
        let mut j = 100;
        while let Some(i) = self.peek().and_then(binary_priority) {
            if i < priority {
                break;
            }
            // c2py breaks chained comparisons with parentheses.
            if (3..=4).contains(&i) && (3..=4).contains(&j) {
                result = paren(result);
            }
            let Some(Tok::Op(op)) = self.next() else {
                unreachable!("binary_priority only accepts operators")
            };
            let right = self.parse(i + 1)?;
            result.push(python_op(op));
            result.extend(right);
            j = i;
        }
        if j == priority && priority == 4 {
            result = paren(result);
        }
        if self.peek() == Some(&Tok::Op("?")) && priority <= 0 {
            self.pos += 1;
            let if_true = self.parse(0)?;
            if self.peek() != Some(&Tok::Op(":")) {
                return Err(Self::unexpected(self.peek()));
            }
            self.pos += 1;
            let if_false = self.parse(-1)?;
            let mut r = if_true;
            r.push(Py::If);
            r.extend(result);
            r.push(Py::Else);
            r.extend(if_false);
            result = if priority == 0 { paren(r) } else { r };
        }
        Ok(result)
    }
}

// ---- stage 2: the Python expression, with Python's grammar and meaning ------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    N,
    Int(i128),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// `body if cond else orelse`.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// A comparison chain: `a < b < c` means `a < b and b < c`.
    Cmp(Box<Expr>, Vec<(CmpOp, Expr)>),
}

/// Python's grammar for the rewritten tokens: `test`, `or_test`, `and_test`, `not_test`,
/// `comparison`, `arith`, `term`, `atom`.
struct PyParser<'a> {
    tokens: &'a [Py],
    pos: usize,
}

impl PyParser<'_> {
    fn peek(&self) -> Option<&Py> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, t: &Py) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn test(&mut self) -> Result<Expr> {
        let body = self.or_test()?;
        if self.eat(&Py::If) {
            let cond = self.or_test()?;
            if !self.eat(&Py::Else) {
                bail!("plural form expression could not be read");
            }
            let orelse = self.test()?;
            return Ok(Expr::If(Box::new(body), Box::new(cond), Box::new(orelse)));
        }
        Ok(body)
    }

    fn or_test(&mut self) -> Result<Expr> {
        let mut e = self.and_test()?;
        while self.eat(&Py::Or) {
            e = Expr::Or(Box::new(e), Box::new(self.and_test()?));
        }
        Ok(e)
    }

    fn and_test(&mut self) -> Result<Expr> {
        let mut e = self.not_test()?;
        while self.eat(&Py::And) {
            e = Expr::And(Box::new(e), Box::new(self.not_test()?));
        }
        Ok(e)
    }

    fn not_test(&mut self) -> Result<Expr> {
        let mut nots = 0;
        while self.eat(&Py::Not) {
            nots += 1;
        }
        let mut e = self.comparison()?;
        for _ in 0..nots {
            e = Expr::Not(Box::new(e));
        }
        Ok(e)
    }

    fn comparison(&mut self) -> Result<Expr> {
        let first = self.arith()?;
        let mut rest = Vec::new();
        while let Some(Py::Cmp(op)) = self.peek() {
            let op = *op;
            self.pos += 1;
            rest.push((op, self.arith()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Expr::Cmp(Box::new(first), rest)
        })
    }

    fn arith(&mut self) -> Result<Expr> {
        let mut e = self.term()?;
        while let Some(Py::Bin(op @ (BinOp::Add | BinOp::Sub))) = self.peek() {
            let op = *op;
            self.pos += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.term()?));
        }
        Ok(e)
    }

    fn term(&mut self) -> Result<Expr> {
        let mut e = self.atom()?;
        while let Some(Py::Bin(op @ (BinOp::Mul | BinOp::Div | BinOp::Mod))) = self.peek() {
            let op = *op;
            self.pos += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.atom()?));
        }
        Ok(e)
    }

    fn atom(&mut self) -> Result<Expr> {
        let t = self.peek().cloned();
        self.pos += 1;
        match t {
            Some(Py::N) => Ok(Expr::N),
            Some(Py::Int(v)) => Ok(Expr::Int(v)),
            Some(Py::Open) => {
                let e = self.test()?;
                if !self.eat(&Py::Close) {
                    bail!("plural form expression could not be read");
                }
                Ok(e)
            }
            // `not` inside an operand (`1 + not n`) is a syntax error in Python too.
            _ => bail!("plural form expression could not be read"),
        }
    }
}

/// Python's floor division and modulo; `None` on division by zero or overflow.
fn floor_div_mod(a: i128, b: i128) -> Option<(i128, i128)> {
    if b == 0 {
        return None;
    }
    let mut q = a.checked_div(b)?;
    let mut r = a.checked_rem(b)?;
    if r != 0 && ((r < 0) != (b < 0)) {
        q -= 1;
        r += b;
    }
    Some((q, r))
}

impl Expr {
    fn eval(&self, n: i128) -> Option<i128> {
        Some(match self {
            Expr::N => n,
            Expr::Int(v) => *v,
            Expr::Not(e) => i128::from(e.eval(n)? == 0),
            Expr::And(a, b) => match a.eval(n)? {
                0 => 0,
                _ => b.eval(n)?,
            },
            Expr::Or(a, b) => match a.eval(n)? {
                0 => b.eval(n)?,
                v => v,
            },
            Expr::If(body, cond, orelse) => {
                if cond.eval(n)? != 0 {
                    body.eval(n)?
                } else {
                    orelse.eval(n)?
                }
            }
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval(n)?, b.eval(n)?);
                match op {
                    BinOp::Add => a.checked_add(b)?,
                    BinOp::Sub => a.checked_sub(b)?,
                    BinOp::Mul => a.checked_mul(b)?,
                    BinOp::Div => floor_div_mod(a, b)?.0,
                    BinOp::Mod => floor_div_mod(a, b)?.1,
                }
            }
            Expr::Cmp(first, rest) => {
                let mut left = first.eval(n)?;
                for (op, right) in rest {
                    let right = right.eval(n)?;
                    let holds = match op {
                        CmpOp::Eq => left == right,
                        CmpOp::Ne => left != right,
                        CmpOp::Lt => left < right,
                        CmpOp::Gt => left > right,
                        CmpOp::Le => left <= right,
                        CmpOp::Ge => left >= right,
                    };
                    if !holds {
                        return Some(0);
                    }
                    left = right;
                }
                1
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(expr: &str, n: u64) -> Option<i128> {
        Plural::parse(expr).unwrap().eval(n)
    }

    #[test]
    fn the_common_families() {
        let polish = "(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)";
        let got: Vec<_> = [1, 2, 5, 12, 22, 25, 112, 122]
            .iter()
            .map(|&n| idx(polish, n).unwrap())
            .collect();
        assert_eq!(got, [0, 1, 2, 2, 1, 2, 2, 1]);
        assert_eq!(idx("0", 7), Some(0));
        assert_eq!(idx("n > 1", 1), Some(0));
        assert_eq!(idx("n > 1", 0), Some(0));
        assert_eq!(Plural::default().index(1), Some(0));
        assert_eq!(Plural::default().index(0), Some(1));
    }

    #[test]
    fn python_meaning_where_c_differs() {
        // `and`/`or` give an operand, `not` covers the comparison after it.
        assert_eq!(idx("n && 5", 3), Some(5));
        assert_eq!(idx("n || 5", 3), Some(3));
        assert_eq!(idx("!n == 1", 2), Some(1));
        assert_eq!(idx("(n - 5) % 3", 0), Some(1));
        assert_eq!(idx("(n - 5) / 3", 0), Some(-2));
        assert_eq!(Plural::parse("n - 5").unwrap().index(0), None);
    }

    #[test]
    fn never_panics() {
        assert_eq!(idx("n / 0", 1), None);
        assert_eq!(idx("n % (n - n)", 1), None);
        assert_eq!(idx("n == 0 || 5 / n", 0), Some(1));
        assert_eq!(idx("n*n*n*n*n*n", u64::MAX), None);
        let deep = format!("{}n{}", "(".repeat(21), ")".repeat(21));
        assert!(Plural::parse(&deep).is_err());
        let deep = format!("{}n{}", "(".repeat(2000), ")".repeat(2000));
        assert!(Plural::parse(&deep).is_err());
        for bad in [
            "", "n +", "m", "n1", "1n", "(n", "n)", "n ? 1", "n = 1", "n & 1", "-1",
        ] {
            assert!(Plural::parse(bad).is_err(), "{bad}");
        }
    }
}
