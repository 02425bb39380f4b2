//! Source `.po` catalogs, read into the same [`Catalog`] that `msgfmt` would compile them to:
//! `msgctxt`, `msgid_plural` with `msgstr[n]`, strings over several lines, C escapes; fuzzy
//! entries are skipped but a fuzzy header is kept (`makemessages` writes one, and its
//! `Plural-Forms` and charset still apply); obsolete `#~` entries and untranslated ones (an
//! empty first `msgstr`) are left out. A malformed file is an error naming the line.

use anyhow::{Context, Result, bail};

use super::{CONTEXT_SEPARATOR, Catalog, RawEntry};

/// Reads a `.po` file's bytes; `name` (its path) starts every error message.
pub fn parse(bytes: &[u8], name: &str) -> Result<Catalog> {
    let entries = entries(bytes).with_context(|| format!("{name}: not a valid .po catalog"))?;
    Catalog::build(entries).with_context(|| name.to_string())
}

/// One entry being read.
#[derive(Debug, Default)]
struct Pending {
    line: usize,
    fuzzy: bool,
    ctxt: Option<Vec<u8>>,
    msgid: Option<Vec<u8>>,
    msgid_plural: Option<Vec<u8>>,
    /// `msgstr`, or `msgstr[0]`, `msgstr[1]`…
    msgstr: Vec<Vec<u8>>,
    /// The field the next `"…"` line continues.
    last: Option<Field>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Ctxt,
    Id,
    IdPlural,
    Str,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.ctxt.is_none() && self.msgid.is_none()
    }

    fn is_complete(&self) -> bool {
        !self.msgstr.is_empty()
    }
}

fn entries(bytes: &[u8]) -> Result<Vec<RawEntry>> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut cur = Pending::default();
    let mut next_fuzzy = false;
    let mut finish = |cur: &mut Pending, out: &mut Vec<RawEntry>| -> Result<()> {
        let done = std::mem::take(cur);
        if done.is_empty() {
            return Ok(());
        }
        let Some(msgid) = done.msgid else {
            bail!("line {}: msgctxt without a msgid after it", done.line);
        };
        if done.msgstr.is_empty() {
            bail!("line {}: msgid without a msgstr after it", done.line);
        }
        let mut key = match &done.ctxt {
            Some(c) => {
                let mut k = c.clone();
                k.extend(CONTEXT_SEPARATOR.to_string().as_bytes());
                k
            }
            None => Vec::new(),
        };
        key.extend(&msgid);
        if !seen.insert((done.ctxt.is_some(), key.clone())) {
            bail!(
                "line {}: duplicate message definition (the same msgctxt and msgid again): keep one",
                done.line
            );
        }
        let header = done.ctxt.is_none() && msgid.is_empty();
        // What msgfmt leaves out: untranslated entries, fuzzy ones (but not the header).
        if done.msgstr[0].is_empty() || (done.fuzzy && !header) {
            return Ok(());
        }
        let mut forms = done.msgstr;
        if header {
            forms[0] = without_pot_creation_date(&forms[0]);
        }
        out.push(RawEntry {
            key,
            plural: done.msgid_plural.is_some(),
            forms,
            at: format!("line {}", done.line),
        });
        Ok(())
    };
    for (index, raw_line) in bytes.split(|&b| b == b'\n').enumerate() {
        let no = index + 1;
        let line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        if line[0] == b'#' {
            if cur.is_complete() {
                finish(&mut cur, &mut out)?;
            }
            if line.starts_with(b"#~") {
                // An obsolete entry: the flags above it were its own.
                next_fuzzy = false;
            } else if let Some(flags) = line.strip_prefix(b"#,") {
                next_fuzzy |= flags
                    .split(|&b| b == b',')
                    .any(|f| f.trim_ascii() == b"fuzzy");
            }
            continue;
        }
        if line[0] == b'"' {
            let text = strings(line, no)?;
            match cur.last {
                Some(Field::Ctxt) => cur.ctxt.get_or_insert_default().extend(text),
                Some(Field::Id) => cur.msgid.get_or_insert_default().extend(text),
                Some(Field::IdPlural) => cur.msgid_plural.get_or_insert_default().extend(text),
                Some(Field::Str) => cur.msgstr.last_mut().expect("a msgstr").extend(text),
                None => bail!("line {no}: a string outside any msgid or msgstr"),
            }
            continue;
        }
        let word_end = line
            .iter()
            .position(|&b| b == b' ' || b == b'\t' || b == b'"')
            .unwrap_or(line.len());
        let (word, rest) = line.split_at(word_end);
        let text = strings(rest, no)?;
        match word {
            b"msgctxt" | b"msgid" => {
                if cur.is_complete() {
                    finish(&mut cur, &mut out)?;
                }
                if cur.msgid.is_some() {
                    bail!(
                        "line {}: msgid without a msgstr (the next {} is at line {no})",
                        cur.line,
                        String::from_utf8_lossy(word)
                    );
                }
                if cur.is_empty() {
                    cur.line = no;
                    cur.fuzzy = std::mem::take(&mut next_fuzzy);
                }
                if word == b"msgctxt" {
                    if cur.ctxt.is_some() {
                        bail!("line {no}: a second msgctxt for one message");
                    }
                    cur.ctxt = Some(text);
                    cur.last = Some(Field::Ctxt);
                } else {
                    cur.msgid = Some(text);
                    cur.last = Some(Field::Id);
                }
            }
            b"msgid_plural" => {
                if cur.msgid.is_none() || cur.is_complete() || cur.msgid_plural.is_some() {
                    bail!("line {no}: msgid_plural must follow a msgid");
                }
                cur.msgid_plural = Some(text);
                cur.last = Some(Field::IdPlural);
            }
            b"msgstr" => {
                if cur.msgid.is_none() || cur.is_complete() {
                    bail!("line {no}: msgstr without a msgid before it");
                }
                if cur.msgid_plural.is_some() {
                    bail!(
                        "line {no}: the message has a msgid_plural, so its translations are msgstr[0], msgstr[1]…"
                    );
                }
                cur.msgstr.push(text);
                cur.last = Some(Field::Str);
            }
            w if w.starts_with(b"msgstr[") && w.ends_with(b"]") => {
                let index = std::str::from_utf8(&w[7..w.len() - 1])
                    .ok()
                    .and_then(|i| i.parse::<usize>().ok());
                if cur.msgid.is_none() {
                    bail!("line {no}: msgstr without a msgid before it");
                }
                if cur.msgid_plural.is_none() {
                    bail!(
                        "line {}: the message has msgstr[…] (line {no}) but no msgid_plural: write msgstr, or add a msgid_plural",
                        cur.line
                    );
                }
                if index != Some(cur.msgstr.len()) {
                    bail!(
                        "line {no}: {} where msgstr[{}] was expected (plural forms count up from 0)",
                        String::from_utf8_lossy(w),
                        cur.msgstr.len()
                    );
                }
                cur.msgstr.push(text);
                cur.last = Some(Field::Str);
            }
            other => bail!(
                "line {no}: unexpected {:?}: expected msgctxt, msgid, msgid_plural, msgstr, a \"string\" or a # comment",
                String::from_utf8_lossy(&other[..other.len().min(40)])
            ),
        }
    }
    if !cur.is_empty() {
        finish(&mut cur, &mut out)?;
    }
    Ok(out)
}

/// The header without its `POT-Creation-Date:` line, which msgfmt leaves out of the `.mo`
/// (so that compiling is reproducible): `gettext("")` gives the same header either way.
fn without_pot_creation_date(header: &[u8]) -> Vec<u8> {
    const FIELD: &[u8] = b"POT-Creation-Date:";
    let mut start = 0;
    while start < header.len() {
        let end = header[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(header.len(), |i| start + i + 1);
        if header[start..].starts_with(FIELD) {
            return [&header[..start], &header[end..]].concat();
        }
        start = end;
    }
    header.to_vec()
}

/// The `"…"` strings of a line (after its keyword), concatenated, escapes resolved.
fn strings(mut rest: &[u8], no: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut any = false;
    loop {
        rest = rest.trim_ascii_start();
        let Some((&first, after)) = rest.split_first() else {
            break;
        };
        if first != b'"' {
            bail!(
                "line {no}: expected a \"string\", found {:?}",
                String::from_utf8_lossy(&rest[..rest.len().min(40)])
            );
        }
        any = true;
        rest = string(after, no, &mut out)?;
    }
    if !any {
        bail!("line {no}: a keyword without its \"string\"");
    }
    Ok(out)
}

/// Reads one string's body up to its closing quote; returns what follows it.
fn string<'a>(s: &'a [u8], no: usize, out: &mut Vec<u8>) -> Result<&'a [u8]> {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'"' => return Ok(&s[i + 1..]),
            b'\\' => {
                let Some(&c) = s.get(i + 1) else { break };
                i += 2;
                let byte = match c {
                    b'n' => b'\n',
                    b't' => b'\t',
                    b'r' => b'\r',
                    b'b' => 8,
                    b'f' => 12,
                    b'v' => 11,
                    b'a' => 7,
                    b'\\' | b'"' => c,
                    b'0'..=b'7' => {
                        let mut v = u32::from(c - b'0');
                        for _ in 0..2 {
                            match s.get(i) {
                                Some(&d @ b'0'..=b'7') => {
                                    v = v * 8 + u32::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        v as u8
                    }
                    b'x' if s.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                        let mut v = 0u32;
                        while let Some(d) = s.get(i).and_then(|&d| (d as char).to_digit(16)) {
                            v = v.wrapping_mul(16).wrapping_add(d);
                            i += 1;
                        }
                        v as u8
                    }
                    other => bail!(
                        "line {no}: invalid escape \\{}: use \\n, \\t, \\\", \\\\ or an octal/hex byte",
                        other as char
                    ),
                };
                out.push(byte);
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    bail!("line {no}: a string without its closing \"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gettext::{Chain, Translations};
    use std::sync::Arc;

    fn chain(po: &str) -> Chain {
        Chain::new(vec![Arc::new(parse(po.as_bytes(), "de.po").unwrap())])
    }

    #[test]
    fn reads_what_msgfmt_reads() {
        let c = chain(concat!(
            "# header comment\n#, fuzzy\nmsgid \"\"\nmsgstr \"\"\n",
            "\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"POT-Creation-Date: 2026-01-01\\n\"\n",
            "\"Plural-Forms: nplurals=3; plural=n==1 ? 0 : n<5 ? 1 : 2;\\n\"\n\n",
            "#: a.html:3\nmsgid \"Hello\"\nmsgstr \"Hallo\"\n\n",
            "#, fuzzy, python-format\nmsgid \"Guess\"\nmsgstr \"Vermutung\"\n\n",
            "msgctxt \"door\"\nmsgid \"Open\"\nmsgstr \"Öffnen\"\n\n",
            "msgid \"\"\n\"Two \"\n\"lines\\n\"\nmsgstr \"Zwei\\t\\\"Zeilen\\\"\\101\\x42\"\n\n",
            "msgid \"file\"\nmsgid_plural \"files\"\nmsgstr[0] \"Datei\"\nmsgstr[1] \"Dateien\"\nmsgstr[2] \"Dateien!\"\n",
            "msgid \"empty\"\nmsgstr \"\"\n",
            "#, fuzzy\n#~ msgid \"Old\"\n#~ msgstr \"Alt\"\n\nmsgid \"Late\"\nmsgstr \"Spät\"\n",
        ));
        assert_eq!(c.gettext(None, "Hello").as_deref(), Some("Hallo"));
        let header = c.gettext(None, "").unwrap();
        assert!(
            header.starts_with("Content-Type: text/plain; charset=UTF-8\nPlural-Forms:"),
            "{header}"
        );
        assert_eq!(c.gettext(None, "Guess"), None);
        assert_eq!(c.gettext(None, "Old"), None);
        assert_eq!(c.gettext(None, "Late").as_deref(), Some("Spät"));
        assert_eq!(c.gettext(None, "empty"), None);
        assert_eq!(c.gettext(Some("door"), "Open").as_deref(), Some("Öffnen"));
        assert_eq!(
            c.gettext(None, "Two lines\n").as_deref(),
            Some("Zwei\t\"Zeilen\"AB")
        );
        assert_eq!(
            c.ngettext(None, "file", "files", 3).as_deref(),
            Some("Dateien")
        );
        assert_eq!(
            c.ngettext(None, "file", "files", 7).as_deref(),
            Some("Dateien!")
        );
    }

    #[test]
    fn malformed_files_name_the_line() {
        let cases = [
            (
                "msgid \"a\"\nmsgstr \"b\n",
                "line 2: a string without its closing",
            ),
            (
                "msgid \"a\"\n\nmsgid \"b\"\nmsgstr \"\"\n",
                "line 1: msgid without a msgstr (the next msgid is at line 3)",
            ),
            (
                "msgid \"a\"\nmsgstr[0] \"b\"\n",
                "line 1: the message has msgstr[…] (line 2) but no msgid_plural",
            ),
            (
                "msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[1] \"b\"\n",
                "line 3: msgstr[1] where msgstr[0]",
            ),
            (
                "msgid \"a\"\nmsgstr \"\\q\"\n",
                "line 2: invalid escape \\q",
            ),
            (
                "msgid \"a\"\nmsgstr \"b\"\nmsgid \"a\"\nmsgstr \"c\"\n",
                "line 3: duplicate message",
            ),
            (
                "msgid \"a\"\nmsgstr \"b\"\nmsgfoo \"c\"\n",
                "line 3: unexpected \"msgfoo\"",
            ),
            ("msgid \"a\"\n", "line 1: msgid without a msgstr"),
            ("\"x\"\n", "line 1: a string outside"),
            (
                "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\nmsgid \"a\"\nmsgstr \"\\xff\"\n",
                "the message at line 4: not valid UTF-8",
            ),
        ];
        for (po, want) in cases {
            let e = format!(
                "{:#}",
                parse(po.as_bytes(), "loc/de/LC_MESSAGES/django.po").unwrap_err()
            );
            assert!(e.starts_with("loc/de/LC_MESSAGES/django.po"), "{e}");
            assert!(e.contains(want), "{want}: {e}");
        }
    }
}
