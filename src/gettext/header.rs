//! A catalog's header (the translation of the empty msgid): its `Content-Type` charset and
//! its `Plural-Forms` expression, read line by line as Python's `GNUTranslations` reads them.

use anyhow::{Context, Result, bail};

use super::plural::Plural;

/// What the header says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// The `charset=` of `Content-Type`, as written (`UTF-8`).
    pub charset: Option<String>,
    /// The compiled `plural=` of `Plural-Forms`.
    pub plural: Option<Plural>,
}

impl Header {
    /// Reads the header text. Fields are `Key: value` lines (keys case-insensitive); a later
    /// field of the same name wins, as in Python.
    pub fn parse(text: &str) -> Result<Header> {
        let mut header = Header::default();
        for item in text.split('\n') {
            let item = item.trim();
            if item.is_empty() || (item.starts_with("#-#-#-#-#") && item.ends_with("#-#-#-#-#")) {
                continue;
            }
            let Some((key, value)) = item.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim().to_lowercase().as_str() {
                "content-type" => {
                    let Some(charset) = value.split("charset=").nth(1) else {
                        bail!(
                            "the header's Content-Type {value:?} has no charset=: write Content-Type: text/plain; charset=UTF-8"
                        );
                    };
                    header.charset = Some(charset.trim().to_string());
                }
                "plural-forms" => {
                    let expr = value
                        .split(';')
                        .nth(1)
                        .and_then(|part| part.split("plural=").nth(1))
                        .with_context(|| {
                            format!(
                                "the header's Plural-Forms {value:?} has no plural= after the first ;: write Plural-Forms: nplurals=2; plural=(n != 1);"
                            )
                        })?;
                    let plural = Plural::parse(expr)
                        .with_context(|| format!("the header's Plural-Forms {value:?}"))?;
                    header.plural = Some(plural);
                }
                _ => {}
            }
        }
        Ok(header)
    }
}

/// How a catalog's bytes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// UTF-8 (also when the header names no charset).
    Utf8,
    /// Another charset: accepted only while every byte is ASCII, where it reads the same.
    AsciiOnly,
}

impl Charset {
    /// The charset a header names.
    pub fn of(name: Option<&str>) -> Charset {
        match name.map(|n| n.trim().to_ascii_lowercase()) {
            None => Charset::Utf8,
            Some(n) if n == "utf-8" || n == "utf8" => Charset::Utf8,
            Some(_) => Charset::AsciiOnly,
        }
    }

    /// Decodes one string of the catalog; the error says why, the caller says where.
    pub fn decode(self, bytes: &[u8], name: Option<&str>) -> Result<String> {
        match self {
            Charset::Utf8 => match std::str::from_utf8(bytes) {
                Ok(s) => Ok(s.to_string()),
                Err(e) => bail!(
                    "not valid UTF-8 (byte {} of the string): save the catalog as UTF-8",
                    e.valid_up_to()
                ),
            },
            Charset::AsciiOnly if bytes.is_ascii() => {
                Ok(String::from_utf8_lossy(bytes).into_owned())
            }
            Charset::AsciiOnly => bail!(
                "non-ASCII text in a catalog whose charset is {}: only UTF-8 is read; convert it with msgconv --to-code=UTF-8 and set charset=UTF-8",
                name.unwrap_or("?")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_charset_and_plural_like_python() {
        let h = Header::parse(
            "Project-Id-Version: x\nContent-Type: text/plain; charset=UTF-8\n\
             plural-forms: nplurals=3; plural=n%10==1 ? 0 : n ? 1 : 2;\n",
        )
        .unwrap();
        assert_eq!(h.charset.as_deref(), Some("UTF-8"));
        assert_eq!(h.plural.unwrap().index(11), Some(0));
        assert_eq!(Header::parse("").unwrap(), Header::default());
        let e = Header::parse("Plural-Forms: nplurals=2").unwrap_err();
        assert!(format!("{e:#}").contains("no plural="), "{e:#}");
        let e = Header::parse("Plural-Forms: nplurals=2; plural=n !! 1;").unwrap_err();
        assert!(format!("{e:#}").contains("unexpected token"), "{e:#}");
    }

    #[test]
    fn charsets() {
        assert_eq!(Charset::of(Some("utf8")), Charset::Utf8);
        assert_eq!(Charset::of(None), Charset::Utf8);
        let latin = Charset::of(Some("ISO-8859-1"));
        assert_eq!(latin.decode(b"abc", Some("ISO-8859-1")).unwrap(), "abc");
        let e = latin.decode(b"caf\xe9", Some("ISO-8859-1")).unwrap_err();
        assert!(e.to_string().contains("msgconv"), "{e}");
        assert!(Charset::Utf8.decode(b"caf\xe9", None).is_err());
    }
}
