//! Jinja2's lexer: template text into tokens, with its whitespace control (`{%-`, `-%}`,
//! `+%}`; trim_blocks and lstrip_blocks off, the trailing newline dropped) and `{% raw %}`.

use anyhow::{Result, bail};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Data(String),
    VarBegin,
    VarEnd,
    BlockBegin,
    BlockEnd,
    Name(String),
    Str(String),
    Int(i64),
    Float(f64),
    Op(&'static str),
    Eof,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub line: usize,
}

const OPS: [&str; 27] = [
    "//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}",
    ">", "<", "=", ".", ":", "|", ",", ";", "!",
];

/// Tokenizes a template (`name` only for messages).
pub fn lex(source: &str, name: &str) -> Result<Vec<Token>> {
    let mut src = source.replace("\r\n", "\n").replace('\r', "\n");
    if src.ends_with('\n') {
        src.pop();
    }
    let s = src.as_str();
    let b = s.as_bytes();
    let mut toks: Vec<Token> = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    let mut lstrip_next = false;
    let push_data =
        |toks: &mut Vec<Token>, mut d: &str, line: usize, lstrip: bool, rstrip: bool| {
            if lstrip {
                d = d.trim_start();
            }
            if rstrip {
                d = d.trim_end();
            }
            if !d.is_empty() {
                toks.push(Token {
                    tok: Tok::Data(d.to_string()),
                    line,
                });
            }
        };
    while pos < b.len() {
        // the next tag opening
        let mut next = None;
        let mut i = pos;
        while let Some(off) = s[i..].find('{') {
            let at = i + off;
            if at + 1 < b.len() && matches!(b[at + 1], b'{' | b'%' | b'#') {
                next = Some(at);
                break;
            }
            i = at + 1;
        }
        let Some(at) = next else {
            push_data(&mut toks, &s[pos..], line, lstrip_next, false);
            break;
        };
        let kind = b[at + 1];
        let modifier = b.get(at + 2).copied();
        let strip_left = modifier == Some(b'-');
        let mut body = at + 2 + usize::from(matches!(modifier, Some(b'-' | b'+')));
        // raw block?
        if kind == b'%'
            && let Some((raw_end, raw_strip)) = raw_open(s, body)
        {
            push_data(&mut toks, &s[pos..at], line, lstrip_next, strip_left);
            line += s[pos..raw_end].matches('\n').count();
            let Some((c_end, e_start, e_end, e_strip_left, e_strip_right)) =
                find_endraw(s, raw_end)
            else {
                bail!("{name} line {line}: missing end of raw directive ({{% endraw %}})");
            };
            let content = &s[raw_end..e_start];
            let _ = c_end;
            push_data(&mut toks, content, line, raw_strip, e_strip_left);
            line += s[raw_end..e_end].matches('\n').count();
            lstrip_next = e_strip_right;
            pos = e_end;
            continue;
        }
        push_data(&mut toks, &s[pos..at], line, lstrip_next, strip_left);
        line += s[pos..at].matches('\n').count();
        if kind == b'#' {
            let Some(end) = s[body..].find("#}") else {
                bail!("{name} line {line}: missing end of comment tag");
            };
            let end = body + end;
            lstrip_next = end > body && b[end - 1] == b'-';
            line += s[at..end + 2].matches('\n').count();
            pos = end + 2;
            continue;
        }
        let (begin, end_tok, close) = if kind == b'{' {
            (Tok::VarBegin, Tok::VarEnd, b'}')
        } else {
            (Tok::BlockBegin, Tok::BlockEnd, b'%')
        };
        toks.push(Token { tok: begin, line });
        let mut depth = 0usize;
        loop {
            // whitespace
            while body < b.len() && (b[body] as char).is_ascii_whitespace() {
                if b[body] == b'\n' {
                    line += 1;
                }
                body += 1;
            }
            if body >= b.len() {
                bail!(
                    "{name} line {line}: unexpected end of template, expected the end of the {}",
                    if close == b'}' {
                        "print ('}}')"
                    } else {
                        "tag ('%}')"
                    }
                );
            }
            if depth == 0 {
                let rest = &b[body..];
                let (m, n) = match rest {
                    [b'-', c, b'}', ..] if *c == close => (Some(true), 3),
                    [b'+', c, b'}', ..] if *c == close => (Some(false), 3),
                    [c, b'}', ..] if *c == close => (Some(false), 2),
                    _ => (None, 0),
                };
                if let Some(strip) = m {
                    toks.push(Token {
                        tok: end_tok.clone(),
                        line,
                    });
                    lstrip_next = strip;
                    body += n;
                    break;
                }
            }
            let c = s[body..].chars().next().unwrap_or(' ');
            let start_line = line;
            let (tok, len) = if c.is_alphabetic() || c == '_' {
                let len = s[body..]
                    .char_indices()
                    .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
                    .map_or(s.len() - body, |(i, _)| i);
                (Tok::Name(s[body..body + len].to_string()), len)
            } else if c.is_ascii_digit() {
                number(s, body, b.get(body.wrapping_sub(1)) == Some(&b'.'))
                    .ok_or_else(|| anyhow::anyhow!("{name} line {line}: bad number"))?
            } else if c == '\'' || c == '"' {
                let (val, len) = string(&s[body..]).ok_or_else(|| {
                    anyhow::anyhow!("{name} line {line}: unexpected end of string")
                })?;
                line += s[body..body + len].matches('\n').count();
                (Tok::Str(val), len)
            } else if let Some(op) = OPS.iter().find(|o| s[body..].starts_with(**o)) {
                match *op {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => {
                        if depth == 0 {
                            bail!("{name} line {line}: unexpected '{op}'");
                        }
                        depth -= 1;
                    }
                    "!" => bail!("{name} line {line}: unexpected char '!'"),
                    _ => {}
                }
                (Tok::Op(op), op.len())
            } else {
                bail!("{name} line {line}: unexpected char {c:?}");
            };
            toks.push(Token {
                tok,
                line: start_line,
            });
            body += len;
        }
        pos = body;
    }
    toks.push(Token {
        tok: Tok::Eof,
        line,
    });
    Ok(toks)
}

/// `{%[-+]? raw [-+]?%}` starting after `{%`: where the raw content starts, and whether it
/// strips its leading whitespace.
fn raw_open(s: &str, mut i: usize) -> Option<(usize, bool)> {
    let b = s.as_bytes();
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    if !s[i..].starts_with("raw") {
        return None;
    }
    i += 3;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let strip = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    s[i..].starts_with("%}").then_some((i + 2, strip))
}

/// The `{% endraw %}` after `from`: (content end, tag start, tag end, strip before, strip after).
fn find_endraw(s: &str, from: usize) -> Option<(usize, usize, usize, bool, bool)> {
    let b = s.as_bytes();
    let mut i = from;
    while let Some(off) = s[i..].find("{%") {
        let at = i + off;
        let mut j = at + 2;
        let strip_left = b.get(j) == Some(&b'-');
        if matches!(b.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if s[j..].starts_with("endraw") {
            j += 6;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let strip_right = b.get(j) == Some(&b'-');
            if matches!(b.get(j), Some(b'-' | b'+')) {
                j += 1;
            }
            if s[j..].starts_with("%}") {
                return Some((at, at, j + 2, strip_left, strip_right));
            }
        }
        i = at + 2;
    }
    None
}

fn number(s: &str, at: usize, after_dot: bool) -> Option<(Tok, usize)> {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len()
            && (b[i].is_ascii_digit()
                || (b[i] == b'_' && i + 1 < b.len() && b[i + 1].is_ascii_digit()))
        {
            i += 1;
        }
        i
    };
    if b[at] == b'0' && matches!(b.get(at + 1), Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B')) {
        let radix = match b[at + 1] | 0x20 {
            b'x' => 16,
            b'o' => 8,
            _ => 2,
        };
        let mut i = at + 2;
        while i < b.len() && ((b[i] as char).is_digit(radix) || b[i] == b'_') {
            i += 1;
        }
        let v = i64::from_str_radix(&s[at + 2..i].replace('_', ""), radix).ok()?;
        return Some((Tok::Int(v), i - at));
    }
    let mut i = digits(at);
    let mut float = false;
    if !after_dot && b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i = digits(i + 1);
        float = true;
    }
    if !after_dot && matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            i = digits(j);
            float = true;
        }
    }
    let text = s[at..i].replace('_', "");
    if float {
        Some((Tok::Float(text.parse().ok()?), i - at))
    } else {
        Some((Tok::Int(text.parse().ok()?), i - at))
    }
}

/// A quoted string with Python's escapes: (value, length in the source).
fn string(s: &str) -> Option<(String, usize)> {
    let mut chars = s.char_indices();
    let (_, q) = chars.next()?;
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        if c == q {
            return Some((out, i + 1));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let (_, e) = chars.next()?;
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0'..='7' => {
                let mut v = e.to_digit(8)?;
                for _ in 0..2 {
                    let rest = chars.as_str();
                    match rest.chars().next().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v)?);
            }
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let rest = chars.as_str();
                let hex = rest.get(..n)?;
                out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
                for _ in 0..n {
                    chars.next();
                }
            }
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            '\\' | '\'' | '"' => out.push(e),
            '\n' => {}
            e => {
                out.push('\\');
                out.push(e);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s, "t").unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn whitespace_control_strips_both_sides() {
        assert_eq!(
            kinds("a \n {%- x -%} \n b\n"),
            vec![
                Tok::Data("a".into()),
                Tok::BlockBegin,
                Tok::Name("x".into()),
                Tok::BlockEnd,
                Tok::Data("b".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn nested_braces_do_not_end_a_print() {
        let t = kinds("{{ {'a': {'b': 1}} }}");
        assert_eq!(t.iter().filter(|t| **t == Tok::VarEnd).count(), 1);
    }
}
