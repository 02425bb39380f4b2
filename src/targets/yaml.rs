//! Deterministic YAML, written by hand: double-quoted scalars that any YAML 1.1 or 1.2
//! parser reads back as the same string (no YAML crate: the output is a handful of fixed
//! shapes).

/// `text` as a double-quoted YAML scalar: `\` and `"` escaped, and every character a
/// parser could read as a line break, a byte-order mark or a control character written as
/// an escape, so the string reads back byte for byte.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20
                || c as u32 == 0x7f
                || (0x80..0xa0).contains(&(c as u32))
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') =>
            {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_a_parser_would_change() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("x\ny\r\t"), r#""x\ny\r\t""#);
        assert_eq!(
            quote("\u{85}\u{2028}\u{feff}\u{1}"),
            r#""\u0085\u2028\uFEFF\u0001""#
        );
        assert_eq!(quote("100% été"), "\"100% été\"");
    }
}
