//! Django's lexer: the template text split into text, `{{ var }}`, `{% tag %}` and `{# #}`
//! tokens (a tag never spans lines), with `{% verbatim %}` bodies kept as text.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Var,
    Block,
    Comment,
}

/// One token: its kind, its contents (the inside of a tag, stripped) and its 1-based line.
#[derive(Debug, Clone)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    pub line: usize,
}

/// Splits `src` as Django's `Lexer.tokenize` does.
pub fn tokenize(src: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut verbatim: Option<String> = None;
    let bytes = src.as_bytes();
    let mut text_start = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        let close = match (bytes[i], bytes[i + 1]) {
            (b'{', b'%') => b'%',
            (b'{', b'{') => b'}',
            (b'{', b'#') => b'#',
            _ => {
                i += 1;
                continue;
            }
        };
        // The shortest `X}` after the opener, on the same line.
        let mut j = i + 2;
        let mut end = None;
        while j + 1 < bytes.len() {
            if bytes[j] == b'\n' {
                break;
            }
            if bytes[j] == close && bytes[j + 1] == b'}' {
                end = Some(j + 2);
                break;
            }
            j += 1;
        }
        let Some(end) = end else {
            i += 1;
            continue;
        };
        let whole = &src[i..end];
        let inner = whole[2..whole.len() - 2].trim();
        let kind = match close {
            b'%' => {
                if let Some(v) = &verbatim {
                    if inner != v {
                        i = end;
                        continue; // stays text
                    }
                    verbatim = None;
                } else if inner == "verbatim" || inner.starts_with("verbatim ") {
                    verbatim = Some(format!("end{inner}"));
                }
                Kind::Block
            }
            _ if verbatim.is_some() => {
                i = end;
                continue;
            }
            b'}' => Kind::Var,
            _ => Kind::Comment,
        };
        if text_start < i {
            let text = &src[text_start..i];
            out.push(Token {
                kind: Kind::Text,
                text,
                line,
            });
            line += text.matches('\n').count();
        }
        out.push(Token {
            kind,
            text: inner,
            line,
        });
        i = end;
        text_start = end;
    }
    if text_start < src.len() {
        out.push(Token {
            kind: Kind::Text,
            text: &src[text_start..],
            line,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_django() {
        let t = tokenize("a {{ x }}\n{% if y %}{# c #}{% verbatim %}{{ z }}{% endverbatim %}{ {");
        let kinds: Vec<_> = t.iter().map(|t| (t.kind, t.text, t.line)).collect();
        assert_eq!(
            kinds,
            vec![
                (Kind::Text, "a ", 1),
                (Kind::Var, "x", 1),
                (Kind::Text, "\n", 1),
                (Kind::Block, "if y", 2),
                (Kind::Comment, "c", 2),
                (Kind::Block, "verbatim", 2),
                (Kind::Text, "{{ z }}", 2),
                (Kind::Block, "endverbatim", 2),
                (Kind::Text, "{ {", 2),
            ]
        );
        // A tag does not span lines.
        let t = tokenize("{% if\n x %}");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].kind, Kind::Text);
    }
}
