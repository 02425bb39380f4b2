//! Compiled `.mo` catalogs (what `msgfmt` and `compilemessages` write): both byte orders,
//! format revisions 0 and 1, the string tables read as Python's `GNUTranslations` reads them
//! (the hash table is not needed). A malformed file is an error naming the byte offset.

use anyhow::{Context, Result, bail};

use super::{Catalog, RawEntry};

const MAGIC: u32 = 0x9504_12de;

/// Reads a `.mo` file's bytes; `name` (its path) starts every error message.
pub fn parse(bytes: &[u8], name: &str) -> Result<Catalog> {
    let entries = entries(bytes).with_context(|| format!("{name}: not a valid .mo catalog"))?;
    Catalog::build(entries).with_context(|| name.to_string())
}

fn entries(buf: &[u8]) -> Result<Vec<RawEntry>> {
    let word = |at: usize, big: bool| -> Result<u32> {
        let Some(b) = buf.get(at..at + 4) else {
            bail!(
                "byte offset {at}: the file ends before a 4-byte number ({} bytes long)",
                buf.len()
            );
        };
        let b = [b[0], b[1], b[2], b[3]];
        Ok(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let big = match word(0, false)? {
        MAGIC => false,
        m if m.swap_bytes() == MAGIC => true,
        m => bail!(
            "byte offset 0: magic number {m:#010x} is not 0x950412de (is it a .po file named .mo?)"
        ),
    };
    let revision = word(4, big)?;
    if revision >> 16 > 1 {
        bail!(
            "byte offset 4: format revision {}.{} is not 0 or 1",
            revision >> 16,
            revision & 0xffff
        );
    }
    let count = word(8, big)? as usize;
    let originals = word(12, big)? as usize;
    let translations = word(16, big)? as usize;
    let mut out = Vec::with_capacity(count.min(buf.len() / 16));
    for i in 0..count {
        let string = |table: usize| -> Result<(&[u8], usize)> {
            let at = table
                .checked_add(i * 8)
                .filter(|at| at.checked_add(8).is_some_and(|end| end <= buf.len()))
                .with_context(|| {
                    format!(
                        "byte offset {}: string table entry {i} is past the end of the file ({} bytes)",
                        table.saturating_add(i * 8),
                        buf.len()
                    )
                })?;
            let len = word(at, big)? as usize;
            let off = word(at + 4, big)? as usize;
            // The string and its terminating NUL must be inside the file (Python's check).
            match off.checked_add(len) {
                Some(end) if end < buf.len() => Ok((&buf[off..end], off)),
                _ => bail!(
                    "byte offset {at}: string {i} ({len} bytes at offset {off}) runs past the end of the file ({} bytes)",
                    buf.len()
                ),
            }
        };
        let (msgid, msgid_at) = string(originals)?;
        let (msgstr, _) = string(translations)?;
        let mut ids = msgid.split(|&b| b == 0);
        let key = ids.next().unwrap_or_default().to_vec();
        let plural = ids.next().is_some();
        if ids.next().is_some() {
            bail!("byte offset {msgid_at}: message {i} has more than one NUL in its msgid");
        }
        let forms = if plural {
            msgstr.split(|&b| b == 0).map(<[u8]>::to_vec).collect()
        } else {
            vec![msgstr.to_vec()]
        };
        out.push(RawEntry {
            key,
            plural,
            forms,
            at: format!("byte offset {msgid_at}"),
        });
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::gettext::Translations;
    use crate::gettext::{CONTEXT_SEPARATOR, Chain};
    use std::sync::Arc;

    /// A `.mo` file with these (msgid, msgstr) pairs, sorted as msgfmt sorts them.
    pub(crate) fn build(pairs: &[(&[u8], &[u8])], big: bool) -> Vec<u8> {
        let mut pairs = pairs.to_vec();
        pairs.sort();
        let n = pairs.len() as u32;
        let w = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut head = Vec::new();
        let mut data = Vec::new();
        let tables = 28u32;
        let data_start = tables + 16 * n;
        for v in [MAGIC, 0, n, tables, tables + 8 * n, 0, 0] {
            head.extend(w(v));
        }
        let mut table = |s: &[u8], table: &mut Vec<u8>| {
            table.extend(w(s.len() as u32));
            table.extend(w(data_start + data.len() as u32));
            data.extend(s);
            data.push(0);
        };
        let (mut o, mut t) = (Vec::new(), Vec::new());
        for (id, _) in &pairs {
            table(id, &mut o);
        }
        for (_, s) in &pairs {
            table(s, &mut t);
        }
        [head, o, t, data].concat()
    }

    #[test]
    fn reads_both_byte_orders() {
        let ctx = format!("verb{CONTEXT_SEPARATOR}Open");
        let pairs: &[(&[u8], &[u8])] = &[
            (b"", b"Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=3; plural=n==1?0:n==2?1:2;\n"),
            (b"Hello", "Grüß Gott".as_bytes()),
            (ctx.as_bytes(), b"Aufmachen"),
            (b"day\0days", b"Tag\0Tage\0TAGE"),
        ];
        for big in [false, true] {
            let c = Arc::new(parse(&build(pairs, big), "de.mo").unwrap());
            let chain = Chain::new(vec![c]);
            assert_eq!(chain.gettext(None, "Hello").as_deref(), Some("Grüß Gott"));
            assert_eq!(
                chain.gettext(Some("verb"), "Open").as_deref(),
                Some("Aufmachen")
            );
            assert_eq!(
                chain.ngettext(None, "day", "days", 5).as_deref(),
                Some("TAGE")
            );
            assert_eq!(
                chain.ngettext(None, "day", "days", 2).as_deref(),
                Some("Tage")
            );
        }
    }

    #[test]
    fn malformed_files_name_the_offset() {
        let good = build(&[(b"a", b"b")], false);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"msgid \"\"".to_vec(), "byte offset 0: magic number"),
            (good[..10].to_vec(), "byte offset 8: the file ends"),
            (good[..30].to_vec(), "byte offset 28: string table entry 0"),
            (good[..good.len() - 1].to_vec(), "byte offset 36: string 0"),
            (
                {
                    let mut g = good.clone();
                    g[6] = 2;
                    g
                },
                "byte offset 4: format revision 2.0",
            ),
        ];
        for (bytes, want) in cases {
            let e = format!("{:#}", parse(&bytes, "x/de.mo").unwrap_err());
            assert!(e.starts_with("x/de.mo: not a valid .mo catalog: "), "{e}");
            assert!(e.contains(want), "{want}: {e}");
        }
        let bad_utf8 = build(&[(b"a", b"\xff")], false);
        let e = format!("{:#}", parse(&bad_utf8, "x/de.mo").unwrap_err());
        assert!(
            e.contains("the message at byte offset 44: not valid UTF-8"),
            "{e}"
        );
    }
}
