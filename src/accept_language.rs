//! Plan → nginx's language choice (`DOWNPAGE_LANGS`): server-level `set`/`if` lines that set
//! `$downpage_lang` to the language folder the visitor's `Accept-Language` prefers. The one
//! implementation: the `DOWNPAGE_NGINX_CONF` snippet (and the `nginx` target's `nginx.conf`),
//! the `nginx` target's `nginx-lang.conf` (the Helm chart includes it) and the `ingress-nginx`
//! target's server all hold these lines. Pure.
//!
//! The rules, which [`choose`] states in plain Rust and a test checks the lines against:
//! - a range matches a folder when it is the folder's tag or starts with it and `-`
//!   (`de-CH` → `de`, `de-AT` → `de-at` before `de`); a folder with a region or script
//!   (`zh-hans`) also takes its bare language (`zh`, `zh-CN`) when no folder has that;
//! - q-values count to their first decimal (`q=0.85` is 0.8), a q-value above 0 but under
//!   0.1 counts under 0.1, `q=0` is never served, no q-value is 1;
//! - the highest level wins, and on a tie the range written first;
//! - nothing matches: the first folder (the fallback).
//!
//! nginx has no loop or sort, so the lines hold one `if` per q-level, lowest first: its
//! regex's leftmost match is the header's first supported range at that level, and a later
//! (higher) level that matches sets the variable again. The capture is the visitor's
//! spelling, so a last `if` per tag turns it into the folder's name.

use std::fmt::Write;

/// The variable the snippet's `error_page` lines use.
pub const VARIABLE: &str = "$downpage_lang";

/// q-levels from lowest to highest: (the level ×10 for [`choose`], the regex of the part
/// after the range). Level 0 is "above 0 but under 0.1".
fn levels() -> Vec<(u8, String)> {
    let end = "[ \\t]*(?:,|$)";
    let q = |value: &str| format!(";[ \\t]*q={value}{end}");
    let mut out = vec![(0, q("0\\.0[0-9]*[1-9][0-9]*"))];
    out.extend((1..=9).map(|d| (d, q(&format!("0\\.{d}[0-9]*")))));
    out.push((10, format!("(?:;[ \\t]*q=1(?:\\.[0-9]*)?)?{end}")));
    out
}

/// (what a range may start with, the folder it picks), longest first, so that `de-at` is
/// tried before `de`.
fn matchers(langs: &[String]) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = langs.iter().map(|l| (l.clone(), l.as_str())).collect();
    for lang in langs {
        let primary = lang.split('-').next().unwrap_or(lang);
        if !out.iter().any(|(m, _)| m == primary) {
            out.push((primary.to_string(), lang));
        }
    }
    out.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    out
}

/// The `set`/`if` lines for `langs` (folder names in Django's spelling, lower case; the
/// first is the fallback), for server level.
pub fn nginx_lines(langs: &[String]) -> String {
    let fallback = &langs[0];
    let mut out = format!(
        "# The visitor's language: the folder Accept-Language prefers (q-values to one decimal,\n\
         # ties by the header's order, q=0 never), else {fallback}. One if per q-level, lowest\n\
         # first, so a higher level wins; then the visitor's spelling becomes the folder name.\n\
         set {VARIABLE} {fallback};\n"
    );
    if langs.len() < 2 {
        return out;
    }
    let matchers = matchers(langs);
    let alternatives: Vec<&str> = matchers.iter().map(|(m, _)| m.as_str()).collect();
    let ranges = format!(
        "(?:^|,)[ \\t]*({})(?:-[a-z0-9]+)*[ \\t]*",
        alternatives.join("|")
    );
    for (_, q) in levels() {
        let _ = writeln!(
            out,
            "if ($http_accept_language ~* \"{ranges}{q}\") {{ set {VARIABLE} $1; }}"
        );
    }
    for (m, folder) in &matchers {
        let _ = writeln!(
            out,
            "if ({VARIABLE} ~* \"^{m}$\") {{ set {VARIABLE} {folder}; }}"
        );
    }
    out
}

/// The folder `header` prefers out of `langs` (first = fallback), by the rules above: the
/// reference the tests hold the nginx lines to (nginx, not downpage, chooses at run time).
#[cfg(test)]
fn choose<'a>(header: &str, langs: &'a [String]) -> &'a str {
    let matchers = matchers(langs);
    let mut best: Option<(u8, &str)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut level = Some(10);
        for param in parts {
            let param = param.trim().to_ascii_lowercase();
            level = param.strip_prefix("q=").and_then(q_level);
        }
        let Some(level) = level else { continue };
        let found = matchers
            .iter()
            .find(|(m, _)| range == *m || range.strip_prefix(m.as_str()).is_some_and(subtags));
        if let Some((_, folder)) = found
            && best.is_none_or(|(b, _)| level > b)
        {
            best = Some((level, folder));
        }
    }
    best.map_or(langs[0].as_str(), |(_, folder)| folder)
}

#[cfg(test)]
/// Whether `rest` is `-sub-sub…` (letters and digits), what may follow a matched tag.
fn subtags(rest: &str) -> bool {
    rest.strip_prefix('-').is_some_and(|r| {
        r.split('-')
            .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()))
    })
}

#[cfg(test)]
/// A q-value's level ×10 (`0.85` → 8, `1` → 10, `0.05` → 0), or `None` for `q=0` and for
/// what is not a q-value.
fn q_level(value: &str) -> Option<u8> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match int {
        "1" => Some(10),
        "0" => match frac.bytes().next() {
            Some(d @ b'1'..=b'9') => Some(d - b'0'),
            _ if frac.bytes().any(|b| b != b'0') => Some(0),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn langs(list: &str) -> Vec<String> {
        list.split(',').map(String::from).collect()
    }

    /// What nginx does with [`nginx_lines`]: the `if`s in order, each regex case-insensitive
    /// (nginx reads `\t` in a quoted string as a tab, which means the same in a class).
    struct AsNginx {
        fallback: String,
        ifs: Vec<(bool, regex::Regex, String)>,
    }

    impl AsNginx {
        fn new(langs: &[String]) -> AsNginx {
            let ifs = nginx_lines(langs)
                .lines()
                .filter(|l| l.starts_with("if ("))
                .map(|line| {
                    let (subject, rest) = line["if (".len()..].split_once(" ~* \"").unwrap();
                    let (pattern, action) = rest.split_once("\") { set $downpage_lang ").unwrap();
                    let re = regex::RegexBuilder::new(pattern)
                        .case_insensitive(true)
                        .build()
                        .unwrap();
                    let target = action.trim_end_matches("; }").to_string();
                    (subject == "$http_accept_language", re, target)
                })
                .collect();
            AsNginx {
                fallback: langs[0].clone(),
                ifs,
            }
        }

        fn choose(&self, header: &str) -> String {
            let mut value = self.fallback.clone();
            for (on_header, re, target) in &self.ifs {
                let input = if *on_header { header } else { value.as_str() };
                if let Some(caps) = re.captures(input) {
                    value = if target == "$1" {
                        caps[1].to_string()
                    } else {
                        target.clone()
                    };
                }
            }
            value
        }
    }

    #[test]
    fn the_cases_of_the_issue() {
        let l = langs("en,de,fr,ar");
        let nginx = AsNginx::new(&l);
        for (header, want) in [
            ("ja,de;q=0.8", "de"),
            ("de-CH", "de"),
            ("fr;q=0.1,ar", "ar"),
            ("ja,ko;q=0.9", "en"),
            ("", "en"),
            ("fr;q=0.5,de;q=0.5", "fr"),
            ("de;q=0.5, fr;q=0.5", "de"),
            ("de;q=0,fr;q=0.1", "fr"),
            ("de;q=0", "en"),
            ("de;q=0.85,fr;q=0.8", "de"),
            ("de;q=0.81,fr;q=0.89", "de"),
            ("fr;q=0.05", "fr"),
            ("fr;q=0.05,de;q=0.1", "de"),
            ("FR-fr", "fr"),
            ("dek", "en"),
            ("*", "en"),
            ("ar-EG ; q=1.0 , de", "ar"),
            ("de;q=1.000,fr", "de"),
        ] {
            assert_eq!(choose(header, &l), want, "choose({header:?})");
            assert_eq!(nginx.choose(header), want, "nginx({header:?})");
        }
    }

    #[test]
    fn regions_and_scripts() {
        let l = langs("en,de-at,de,zh-hans,pt-br");
        let nginx = AsNginx::new(&l);
        for (header, want) in [
            ("de-AT", "de-at"),
            ("de-at-x-foo", "de-at"),
            ("de-CH", "de"),
            ("de", "de"),
            ("zh-CN,zh;q=0.9", "zh-hans"),
            ("zh-Hans-CN", "zh-hans"),
            ("pt-PT", "pt-br"),
            ("pt", "pt-br"),
        ] {
            assert_eq!(choose(header, &l), want, "choose({header:?})");
            assert_eq!(nginx.choose(header), want, "nginx({header:?})");
        }
    }

    /// The nginx lines choose as [`choose`] does, for every header made of a few items.
    #[test]
    fn the_nginx_lines_choose_as_the_rules_say() {
        let l = langs("en,de,fr,ar,de-at,zh-hans");
        let nginx = AsNginx::new(&l);
        let ranges = [
            "de", "de-CH", "DE-at", "fr", "ar-EG", "ja", "zh-TW", "*", "dek",
        ];
        let qs = [
            "", ";q=1", ";q=0.8", ";q=0.85", ";q=0.5", ";q=0.1", ";q=0.05", ";q=0",
        ];
        let mut items = Vec::new();
        for r in ranges {
            for q in qs {
                items.push(format!("{r}{q}"));
            }
        }
        let mut checked = 0;
        for (i, a) in items.iter().enumerate() {
            for b in items.iter().skip(i % 7).step_by(5) {
                for c in ["", ",fr;q=0.8", ", ja"] {
                    let header = format!("{a},{b}{c}");
                    assert_eq!(nginx.choose(&header), choose(&header, &l), "{header:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 3000, "{checked}");
    }

    #[test]
    fn one_language_needs_no_choice() {
        let text = nginx_lines(&langs("de"));
        assert!(text.ends_with("set $downpage_lang de;\n"), "{text}");
        assert!(!text.contains("if ("));
    }
}
