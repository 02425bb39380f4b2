//! Django's built-in filters (defaultfilters, i18n, l10n, tz), with their `is_safe` and
//! autoescape behaviour. Values are never dates here (the context is JSON), so the date
//! filters give "" as Django does for strings.

use std::rc::Rc;

use anyhow::{Result, bail};

use super::value::{
    Value, conditional_escape, escape, float_display, float_repr, parse_float, parse_int,
};

/// Every filter Django has (built-ins, i18n, l10n, tz).
const KNOWN: &[&str] = &[
    "addslashes",
    "capfirst",
    "escapejs",
    "json_script",
    "floatformat",
    "iriencode",
    "linenumbers",
    "lower",
    "make_list",
    "slugify",
    "stringformat",
    "title",
    "truncatechars",
    "truncatechars_html",
    "truncatewords",
    "truncatewords_html",
    "upper",
    "urlencode",
    "urlize",
    "urlizetrunc",
    "wordcount",
    "wordwrap",
    "ljust",
    "rjust",
    "center",
    "cut",
    "escape",
    "escapeseq",
    "force_escape",
    "linebreaks",
    "linebreaksbr",
    "safe",
    "safeseq",
    "striptags",
    "dictsort",
    "dictsortreversed",
    "first",
    "join",
    "last",
    "length",
    "random",
    "slice",
    "unordered_list",
    "add",
    "get_digit",
    "date",
    "time",
    "timesince",
    "timeuntil",
    "default",
    "default_if_none",
    "divisibleby",
    "yesno",
    "filesizeformat",
    "pluralize",
    "phone2numeric",
    "pprint",
    "language_name",
    "language_name_translated",
    "language_name_local",
    "language_bidi",
    "localize",
    "unlocalize",
    "localtime",
    "utc",
    "timezone",
];

/// Filters whose result stays safe when their input was (`is_safe=True`).
const IS_SAFE: &[&str] = &[
    "addslashes",
    "capfirst",
    "floatformat",
    "iriencode",
    "linenumbers",
    "lower",
    "slugify",
    "stringformat",
    "title",
    "truncatechars",
    "truncatechars_html",
    "truncatewords",
    "truncatewords_html",
    "urlize",
    "urlizetrunc",
    "wordwrap",
    "ljust",
    "rjust",
    "center",
    "escape",
    "escapeseq",
    "force_escape",
    "linebreaks",
    "linebreaksbr",
    "safe",
    "safeseq",
    "striptags",
    "join",
    "last",
    "random",
    "slice",
    "unordered_list",
    "filesizeformat",
    "phone2numeric",
    "pprint",
    "json_script",
    "localize",
    "unlocalize",
];

/// Filters that take an argument (`Some(true)`), may (`None`), or take none (`Some(false)`).
fn takes_arg(name: &str) -> Option<bool> {
    match name {
        "stringformat" | "truncatechars" | "truncatechars_html" | "truncatewords"
        | "truncatewords_html" | "urlizetrunc" | "wordwrap" | "ljust" | "rjust" | "center"
        | "cut" | "dictsort" | "dictsortreversed" | "join" | "slice" | "add" | "get_digit"
        | "default" | "default_if_none" | "divisibleby" | "timezone" => Some(true),
        "floatformat" | "urlencode" | "date" | "time" | "timesince" | "timeuntil" | "yesno"
        | "pluralize" | "json_script" => None,
        _ => Some(false),
    }
}

pub fn is_known(name: &str) -> bool {
    KNOWN.contains(&name)
}

/// Django's argument count check, at parse time.
pub fn check_args(name: &str, has_arg: bool) -> Result<()> {
    match takes_arg(name) {
        Some(true) if !has_arg => bail!("{name} requires 2 arguments, 1 provided"),
        Some(false) if has_arg => bail!("{name} requires 1 arguments, 2 provided"),
        _ => Ok(()),
    }
}

/// What a filter may need from the render.
pub struct Env<'a> {
    pub autoescape: bool,
    pub lang: &'a str,
    pub lang_name: &'a str,
}

/// Applies a known filter, with Django's `is_safe` rule on the result.
pub fn apply(name: &str, v: Value, arg: Option<Value>, env: &Env) -> Result<Value> {
    let was_safe = v.is_safe();
    let out = run(name, v, arg, env)?;
    if was_safe && IS_SAFE.contains(&name) && !out.is_safe() {
        return Ok(Value::safe(out.to_str()));
    }
    Ok(out)
}

fn s(v: &Value) -> Rc<str> {
    v.to_str()
}

/// A string result that keeps the input's safety only through `apply`'s rule.
fn plain(text: impl Into<Rc<str>>) -> Value {
    Value::str(text)
}

fn int_arg(arg: Option<&Value>) -> Option<i64> {
    arg.and_then(Value::to_int)
}

fn run(name: &str, v: Value, arg: Option<Value>, env: &Env) -> Result<Value> {
    Ok(match name {
        "safe" => Value::safe(s(&v)),
        "escape" => conditional_escape(&Value::Str(s(&v), v.is_safe())),
        "force_escape" => Value::safe(escape(&s(&v))),
        "upper" => plain(s(&v).to_uppercase()),
        "lower" => plain(s(&v).to_lowercase()),
        "title" => plain(title(&s(&v))),
        "capfirst" => {
            let t = s(&v);
            let mut c = t.chars();
            match c.next() {
                Some(f) => plain(format!("{}{}", f.to_uppercase(), c.as_str())),
                None => plain(""),
            }
        }
        "addslashes" => plain(
            s(&v)
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\'', "\\'"),
        ),
        "escapejs" => Value::safe(escapejs(&s(&v))),
        "length" => Value::Int(v.py_len().map_or(0, |n| n as i64)),
        "wordcount" => Value::Int(s(&v).split_whitespace().count() as i64),
        "default" => {
            if v.truthy() {
                v
            } else {
                arg.unwrap_or_else(Value::empty)
            }
        }
        "default_if_none" => {
            if matches!(v, Value::None) {
                arg.unwrap_or_else(Value::empty)
            } else {
                v
            }
        }
        "first" => match &v {
            Value::List(l) => l.first().cloned().unwrap_or_else(Value::empty),
            Value::Str(t, safe) => t
                .chars()
                .next()
                .map_or_else(Value::empty, |c| Value::Str(c.to_string().into(), *safe)),
            _ => bail!("first: the value cannot be indexed"),
        },
        "last" => match &v {
            Value::List(l) => l.last().cloned().unwrap_or_else(Value::empty),
            Value::Str(t, safe) => t
                .chars()
                .last()
                .map_or_else(Value::empty, |c| Value::Str(c.to_string().into(), *safe)),
            _ => bail!("last: the value cannot be indexed"),
        },
        "random" => match &v {
            // Deterministic pages: the first item (a random pick would change every build).
            Value::List(l) => l.first().cloned().unwrap_or_else(Value::empty),
            _ => v,
        },
        "join" => join(&v, &arg.unwrap_or_else(Value::empty), env.autoescape),
        "make_list" => match &v {
            Value::List(_) => v,
            _ => Value::List(Rc::new(
                s(&v).chars().map(|c| Value::str(c.to_string())).collect(),
            )),
        },
        "slice" => slice(v, &arg.map(|a| s(&a)).unwrap_or_default()),
        "add" => add(&v, &arg.unwrap_or_else(Value::empty)),
        "cut" => {
            let a = arg.map(|a| s(&a)).unwrap_or_default();
            let out: String = s(&v).replace(a.as_ref(), "");
            if v.is_safe() && a.as_ref() != ";" {
                Value::safe(out)
            } else {
                plain(out)
            }
        }
        "linebreaksbr" => {
            let text = s(&v).replace("\r\n", "\n").replace('\r', "\n");
            let text = if env.autoescape && !v.is_safe() {
                escape(&text)
            } else {
                text
            };
            Value::safe(text.replace('\n', "<br>"))
        }
        "linebreaks" => Value::safe(linebreaks(&s(&v), env.autoescape && !v.is_safe())),
        "linenumbers" => {
            let text = s(&v);
            let lines: Vec<&str> = text.split('\n').collect();
            let width = lines.len().to_string().len();
            let esc = env.autoescape && !v.is_safe();
            let out: Vec<String> = lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    format!(
                        "{:0width$}. {}",
                        i + 1,
                        if esc { escape(l) } else { l.to_string() }
                    )
                })
                .collect();
            Value::safe(out.join("\n"))
        }
        "striptags" => plain(strip_tags(&s(&v))),
        "truncatechars" => match int_arg(arg.as_ref()) {
            Some(n) => plain(truncate_chars(&s(&v), n)),
            None => v,
        },
        "truncatewords" => match int_arg(arg.as_ref()) {
            Some(n) => plain(truncate_words(&s(&v), n)),
            None => v,
        },
        "ljust" | "rjust" | "center" => {
            let Some(w) = int_arg(arg.as_ref()) else {
                bail!("{name}: the width is not a number")
            };
            let t = s(&v);
            let len = t.chars().count() as i64;
            let pad = (w - len).max(0) as usize;
            plain(match name {
                "ljust" => format!("{t}{}", " ".repeat(pad)),
                "rjust" => format!("{}{t}", " ".repeat(pad)),
                _ => {
                    // Python's str.center: the extra space goes left when the width is odd.
                    let left = pad / 2 + (pad & w as usize & 1);
                    format!("{}{t}{}", " ".repeat(left), " ".repeat(pad - left))
                }
            })
        }
        "urlencode" => {
            let safe = arg.map_or_else(|| "/".to_string(), |a| s(&a).to_string());
            plain(crate::dialect::static_url::quote(&s(&v), safe.as_bytes()))
        }
        "iriencode" => plain(crate::dialect::static_url::quote(
            &s(&v),
            b"/#%[]=:;$&()+,!?*@'~",
        )),
        "slugify" => plain(slugify(&s(&v))),
        "yesno" => yesno(v, arg),
        "pluralize" => pluralize(&v, &arg.map_or_else(|| "s".into(), |a| s(&a))),
        "divisibleby" => {
            let (Some(a), Some(b)) = (v.to_int(), int_arg(arg.as_ref())) else {
                bail!("divisibleby: not a number")
            };
            if b == 0 {
                bail!("divisibleby: division by zero");
            }
            Value::Bool(a % b == 0)
        }
        "get_digit" => {
            let (Some(n), Some(d)) = (v.to_int(), int_arg(arg.as_ref())) else {
                return Ok(v);
            };
            if d < 1 {
                return Ok(v);
            }
            let digits = n.to_string();
            let b = digits.as_bytes();
            if (d as usize) > b.len() {
                Value::Int(0)
            } else {
                let c = b[b.len() - d as usize];
                if c.is_ascii_digit() {
                    Value::Int(i64::from(c - b'0'))
                } else {
                    Value::Int(0)
                }
            }
        }
        "floatformat" => floatformat(&v, arg.as_ref()),
        "filesizeformat" => plain(filesizeformat(&v)),
        "stringformat" => plain(stringformat(&v, &arg.map(|a| s(&a)).unwrap_or_default())),
        "phone2numeric" => plain(phone2numeric(&s(&v))),
        "escapeseq" => match v.iter_items() {
            Some(items) => Value::List(Rc::new(items.iter().map(conditional_escape).collect())),
            None => bail!("escapeseq: the value is not a sequence"),
        },
        "safeseq" => match v.iter_items() {
            Some(items) => Value::List(Rc::new(
                items.iter().map(|i| Value::safe(i.to_str())).collect(),
            )),
            None => bail!("safeseq: the value is not a sequence"),
        },
        "dictsort" | "dictsortreversed" => dictsort(
            &v,
            &arg.map(|a| s(&a)).unwrap_or_default(),
            name == "dictsortreversed",
        ),
        "unordered_list" => Value::safe(unordered_list(&v, env.autoescape, 1)),
        "json_script" => json_script(&v, arg.map(|a| s(&a))),
        "pprint" => plain(v.repr()),
        "date" | "time" | "timesince" | "timeuntil" | "localtime" | "utc" | "timezone" => {
            // The context holds no dates: Django gives "" for anything else.
            Value::empty()
        }
        "localize" => plain(match &v {
            Value::Float(f) => float_display(*f),
            other => other.to_str().to_string(),
        }),
        "unlocalize" => plain(match &v {
            Value::Float(f) => float_repr(*f),
            other => other.to_str().to_string(),
        }),
        "language_name" | "language_name_local" | "language_name_translated" => {
            let code = s(&v).to_ascii_lowercase();
            if code == "en" {
                plain("English")
            } else if code == env.lang {
                plain(env.lang_name)
            } else {
                bail!("unknown language code {code}")
            }
        }
        // Django's `get_language_info(code)["bidi"]`: `ar-eg` is `ar`'s.
        "language_bidi" => Value::Bool(crate::language::django_bidi(&s(&v))),
        "wordwrap" => match int_arg(arg.as_ref()) {
            Some(w) if w > 0 => plain(wordwrap(&s(&v), w as usize)),
            _ => bail!("wordwrap: the width is not a positive number"),
        },
        "truncatechars_html" | "truncatewords_html" | "urlize" | "urlizetrunc" => {
            // Not reproduced: the value as it is (escaped when printed).
            v
        }
        _ => v,
    })
}

fn title(t: &str) -> String {
    // Python's str.title: a letter after a non-letter is upper-cased, others lower-cased.
    let mut out = String::with_capacity(t.len());
    let mut prev_cased = false;
    for c in t.chars() {
        if c.is_alphabetic() {
            if prev_cased {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            prev_cased = true;
        } else {
            out.push(c);
            prev_cased = false;
        }
    }
    // Django: "([a-z])'([A-Z])" lower-cased again, and a letter after a digit.
    let chars: Vec<char> = out.chars().collect();
    let mut fixed = String::with_capacity(out.len());
    for (i, &c) in chars.iter().enumerate() {
        let after_quote = i >= 2
            && chars[i - 1] == '\''
            && chars[i - 2].is_ascii_lowercase()
            && c.is_ascii_uppercase();
        let after_digit = i >= 1 && chars[i - 1].is_ascii_digit() && c.is_ascii_uppercase();
        if after_quote || after_digit {
            fixed.push(c.to_ascii_lowercase());
        } else {
            fixed.push(c);
        }
    }
    fixed
}

/// Django's `wrap`: Python's `TextWrapper(width, break_long_words=False,
/// break_on_hyphens=False, replace_whitespace=False)` on each line, tabs expanded.
fn wordwrap(text: &str, width: usize) -> String {
    let mut result: Vec<String> = Vec::new();
    for line in text.lines() {
        let expanded = expand_tabs(line);
        // Chunks: runs of whitespace and of anything else.
        let mut chunks: Vec<String> = Vec::new();
        for c in expanded.chars() {
            let ws = c.is_whitespace();
            match chunks.last_mut() {
                Some(last) if last.chars().next().is_some_and(|l| l.is_whitespace() == ws) => {
                    last.push(c);
                }
                _ => chunks.push(c.to_string()),
            }
        }
        chunks.reverse();
        let mut lines: Vec<String> = Vec::new();
        while !chunks.is_empty() {
            let mut cur: Vec<String> = Vec::new();
            let mut len = 0;
            if chunks.last().is_some_and(|c| c.trim().is_empty()) && !lines.is_empty() {
                chunks.pop();
            }
            while let Some(c) = chunks.last() {
                let l = c.chars().count();
                if len + l <= width {
                    len += l;
                    cur.push(chunks.pop().unwrap_or_default());
                } else {
                    break;
                }
            }
            if chunks.last().is_some_and(|c| c.chars().count() > width) && cur.is_empty() {
                cur.push(chunks.pop().unwrap_or_default());
            }
            if cur.last().is_some_and(|c| c.trim().is_empty()) {
                cur.pop();
            }
            if !cur.is_empty() {
                lines.push(cur.concat());
            }
        }
        if lines.is_empty() {
            result.push(line.to_string());
        } else {
            result.extend(lines);
        }
    }
    if text.ends_with('\n') {
        result.push(String::new());
    }
    result.join("\n")
}

fn expand_tabs(line: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    for c in line.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.push_str(&" ".repeat(n));
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
    out
}

fn escapejs(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '\\' | '\'' | '"' | '>' | '<' | '&' | '=' | '-' | ';' | '`' | '\u{2028}'
            | '\u{2029}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c if (c as u32) < 32 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn join(v: &Value, sep: &Value, autoescape: bool) -> Value {
    let Some(items) = (match v {
        Value::List(l) => Some(l.as_ref().clone()),
        Value::Str(..) | Value::Dict(_) => v.iter_items(),
        _ => None,
    }) else {
        return v.clone();
    };
    if items.iter().any(|i| !matches!(i, Value::Str(..))) && !autoescape {
        return v.clone(); // str.join of non-strings: a TypeError, the value as it is
    }
    if autoescape {
        let sep = conditional_escape(sep).to_str();
        let parts: Vec<String> = items
            .iter()
            .map(|i| conditional_escape(i).to_str().to_string())
            .collect();
        Value::safe(parts.join(&sep))
    } else {
        let parts: Vec<String> = items.iter().map(|i| i.to_str().to_string()).collect();
        Value::safe(parts.join(&sep.to_str()))
    }
}

fn slice(v: Value, spec: &str) -> Value {
    let mut bits: Vec<Option<i64>> = Vec::new();
    for x in spec.split(':') {
        if x.is_empty() {
            bits.push(None);
        } else {
            match parse_int(x) {
                Some(n) => bits.push(Some(n)),
                None => return v,
            }
        }
    }
    if bits.len() > 3 {
        return v;
    }
    let (items, is_str, safe) = match &v {
        Value::List(l) => (l.as_ref().clone(), false, false),
        Value::Str(t, safe) => (
            t.chars().map(|c| Value::str(c.to_string())).collect(),
            true,
            *safe,
        ),
        _ => return v,
    };
    let len = items.len() as i64;
    let (start, stop, step) = if bits.len() == 1 {
        // slice(x): the stop only.
        (None, bits[0], None)
    } else {
        (bits[0], bits[1], bits.get(2).copied().flatten())
    };
    let step = step.unwrap_or(1);
    if step == 0 {
        return v;
    }
    let norm = |i: i64, lo: i64, hi: i64| {
        if i < 0 {
            (i + len).clamp(lo, hi)
        } else {
            i.clamp(lo, hi)
        }
    };
    let mut out = Vec::new();
    if step > 0 {
        let a = start.map_or(0, |s| norm(s, 0, len));
        let b = stop.map_or(len, |s| norm(s, 0, len));
        let mut i = a;
        while i < b {
            out.push(items[i as usize].clone());
            i += step;
        }
    } else {
        let a = start.map_or(len - 1, |s| norm(s, -1, len - 1));
        let b = stop.map_or(-1, |s| norm(s, -1, len - 1));
        let mut i = a;
        while i > b {
            out.push(items[i as usize].clone());
            i += step;
        }
    }
    if is_str {
        let t: String = out.iter().map(|c| c.to_str().to_string()).collect();
        Value::Str(t.into(), safe)
    } else {
        Value::List(Rc::new(out))
    }
}

fn add(v: &Value, arg: &Value) -> Value {
    if let (Some(a), Some(b)) = (v.to_int(), arg.to_int())
        && !matches!(v, Value::Float(_))
        && !matches!(arg, Value::Float(_))
    {
        return Value::Int(a.wrapping_add(b));
    }
    // int() of a float truncates: Django's add does int(value) + int(arg) first.
    if let (Some(a), Some(b)) = (v.to_int(), arg.to_int()) {
        return Value::Int(a.wrapping_add(b));
    }
    match (&v, &arg) {
        // SafeString + SafeString stays safe.
        (Value::Str(a, sa), Value::Str(b, sb)) => Value::Str(format!("{a}{b}").into(), *sa && *sb),
        (Value::List(a), Value::List(b)) => {
            let mut l = a.as_ref().clone();
            l.extend(b.iter().cloned());
            Value::List(Rc::new(l))
        }
        _ => match (v.as_f64(), arg.as_f64()) {
            (Some(a), Some(b)) => Value::Float(a + b),
            _ => Value::empty(),
        },
    }
}

fn linebreaks(t: &str, autoescape: bool) -> String {
    let t = t.replace("\r\n", "\n").replace('\r', "\n");
    // re.split("\n{2,}", t)
    let mut paras = Vec::new();
    let mut cur = String::new();
    let mut newlines = 0;
    for c in t.chars() {
        if c == '\n' {
            newlines += 1;
            continue;
        }
        if newlines >= 2 {
            paras.push(std::mem::take(&mut cur));
        } else if newlines == 1 {
            cur.push('\n');
        }
        newlines = 0;
        cur.push(c);
    }
    if newlines >= 2 {
        paras.push(std::mem::take(&mut cur));
    } else if newlines == 1 {
        cur.push('\n');
    }
    paras.push(cur);
    paras
        .iter()
        .map(|p| {
            let p = if autoescape { escape(p) } else { p.clone() };
            format!("<p>{}</p>", p.replace('\n', "<br>"))
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn strip_tags(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut in_tag = false;
    for c in t.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn truncate_chars(t: &str, n: i64) -> String {
    if n <= 0 {
        return String::new();
    }
    let chars: Vec<char> = t.chars().collect();
    if chars.len() as i64 <= n {
        return t.to_string();
    }
    let keep = (n - 1) as usize;
    let mut out: String = chars[..keep].iter().collect();
    out.push('…');
    out
}

fn truncate_words(t: &str, n: i64) -> String {
    if n <= 0 {
        return String::new();
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    if words.len() as i64 > n {
        let text = words[..n as usize].join(" ");
        if text.ends_with(" …") {
            text
        } else {
            format!("{text} …")
        }
    } else {
        words.join(" ")
    }
}

fn slugify(t: &str) -> String {
    let lower: String = t
        .chars()
        .filter(char::is_ascii)
        .collect::<String>()
        .to_lowercase();
    let kept: String = lower
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_' || c.is_whitespace() || *c == '-')
        .collect();
    let mut out = String::new();
    let mut dash = false;
    for c in kept.chars() {
        if c == '-' || c.is_whitespace() {
            dash = true;
        } else {
            if dash {
                out.push('-');
            }
            dash = false;
            out.push(c);
        }
    }
    if dash {
        out.push('-');
    }
    out.trim_matches(['-', '_']).to_string()
}

fn yesno(v: Value, arg: Option<Value>) -> Value {
    let arg = arg.map_or_else(|| "yes,no,maybe".into(), |a| a.to_str());
    let bits: Vec<&str> = arg.split(',').collect();
    if bits.len() < 2 {
        return v;
    }
    let (yes, no, maybe) = if bits.len() == 3 {
        (bits[0], bits[1], bits[2])
    } else {
        (bits[0], bits[1], bits[1])
    };
    if bits.len() > 3 {
        // Unpacking fails in Python too: (yes, no, no).
        return Value::str(if matches!(v, Value::None) || !v.truthy() {
            bits[1]
        } else {
            bits[0]
        });
    }
    Value::str(if matches!(v, Value::None) {
        maybe
    } else if v.truthy() {
        yes
    } else {
        no
    })
}

fn pluralize(v: &Value, arg: &str) -> Value {
    let arg = if arg.contains(',') {
        arg.to_string()
    } else {
        format!(",{arg}")
    };
    let bits: Vec<&str> = arg.split(',').collect();
    if bits.len() > 2 {
        return Value::empty();
    }
    let (one, many) = (bits[0], bits[1]);
    let n = match v {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => v.as_f64(),
        Value::Str(t, _) => match parse_float(t) {
            Some(f) => Some(f),
            None => return Value::empty(),
        },
        Value::List(_) | Value::Dict(_) => {
            return Value::str(if v.py_len() == Some(1) { one } else { many });
        }
        Value::None | Value::Block(_) => return Value::empty(),
    };
    Value::str(if n == Some(1.0) { one } else { many })
}

/// A decimal number: sign, digits, exponent (value = digits × 10^exp).
fn decimal_of(text: &str) -> Option<(bool, Vec<u8>, i64)> {
    let t = text.trim().replace('_', "");
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b.to_string()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
    };
    let (mant, exp) = match body.to_ascii_lowercase().split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i64>().ok()?),
        None => (body.clone(), 0),
    };
    let (ip, fp) = mant.split_once('.').unwrap_or((&mant, ""));
    if ip.is_empty() && fp.is_empty() {
        return None;
    }
    if !ip.bytes().chain(fp.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: Vec<u8> = ip.bytes().chain(fp.bytes()).map(|b| b - b'0').collect();
    Some((neg, digits, exp - fp.len() as i64))
}

fn floatformat(v: &Value, arg: Option<&Value>) -> Value {
    let mut grouping = false;
    let mut p: i64 = -1;
    let input = match v {
        Value::Float(f) => float_repr(*f),
        other => other.to_str().to_string(),
    };
    if let Some(a) = arg {
        match a {
            Value::Str(t, _) => {
                let mut t = t.to_string();
                if t.ends_with("gu") || t.ends_with("ug") {
                    grouping = true;
                    t.truncate(t.len() - 2);
                } else if t.ends_with('g') {
                    grouping = true;
                    t.pop();
                } else if t.ends_with('u') {
                    t.pop();
                }
                if !t.is_empty() {
                    match parse_int(&t) {
                        Some(n) => p = n,
                        None => return Value::str(input),
                    }
                }
            }
            other => match other.to_int() {
                Some(n) => p = n,
                None => return Value::str(input),
            },
        }
    }
    let dec = decimal_of(&input).or_else(|| match v {
        Value::Bool(b) => decimal_of(if *b { "1.0" } else { "0.0" }),
        _ => None,
    });
    let Some((neg, digits, exp)) = dec else {
        return Value::empty();
    };
    if digits.len() as i64 + exp.abs() > 200 {
        return Value::str(input);
    }
    // Is it a whole number?
    let frac_nonzero = exp < 0 && {
        let cut = (digits.len() as i64 + exp).max(0) as usize;
        digits[cut..].iter().any(|&d| d != 0)
    };
    let places = p.unsigned_abs() as i64;
    let number = if !frac_nonzero && p <= 0 {
        let int_digits = int_part(&digits, exp);
        let zero = int_digits.iter().all(|&d| d == 0);
        format!(
            "{}{}",
            if neg && !zero { "-" } else { "" },
            digits_str(&int_digits)
        )
    } else {
        // Round half up to `places` decimals.
        let mut d = digits.clone();
        let mut e = exp;
        if e < -places {
            let drop = (-places - e) as usize;
            let keep = d.len().saturating_sub(drop);
            let round_up = if drop > d.len() { false } else { d[keep] >= 5 };
            d.truncate(keep);
            e = -places;
            if round_up {
                let mut i = d.len();
                loop {
                    if i == 0 {
                        d.insert(0, 1);
                        break;
                    }
                    i -= 1;
                    if d[i] == 9 {
                        d[i] = 0;
                    } else {
                        d[i] += 1;
                        break;
                    }
                }
            }
        }
        while e > -places {
            d.push(0);
            e -= 1;
        }
        let places_u = places as usize;
        while d.len() <= places_u {
            d.insert(0, 0);
        }
        let (ip, fp) = d.split_at(d.len() - places_u);
        let ip = digits_str(ip);
        let fp: String = fp.iter().map(|x| char::from(b'0' + x)).collect();
        let nonzero = d.iter().any(|&x| x != 0);
        let sign = if neg && nonzero { "-" } else { "" };
        if places_u == 0 {
            format!("{sign}{ip}")
        } else {
            format!("{sign}{ip}.{fp}")
        }
    };
    Value::safe(if grouping { group(&number) } else { number })
}

fn int_part(digits: &[u8], exp: i64) -> Vec<u8> {
    if exp >= 0 {
        let mut d = digits.to_vec();
        d.extend(std::iter::repeat_n(0, exp as usize));
        d
    } else {
        let keep = (digits.len() as i64 + exp).max(0) as usize;
        let d = digits[..keep].to_vec();
        if d.is_empty() { vec![0] } else { d }
    }
}

fn digits_str(d: &[u8]) -> String {
    let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
    let t = s.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.to_string()
    }
}

/// Thousands grouping with `,` (the `en` locale).
fn group(number: &str) -> String {
    let (sign, rest) = match number.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", number),
    };
    let (ip, fp) = match rest.split_once('.') {
        Some((i, f)) => (i, format!(".{f}")),
        None => (rest, String::new()),
    };
    let mut out = String::new();
    for (i, c) in ip.chars().enumerate() {
        if i > 0 && (ip.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}{fp}")
}

fn filesizeformat(v: &Value) -> String {
    let n = match v {
        Value::Float(f) if f.is_finite() => Some(f.trunc() as i64),
        other => other.to_int(),
    };
    let Some(n) = n else {
        return "0\u{a0}bytes".into();
    };
    let neg = n < 0;
    let b = n.unsigned_abs() as f64;
    let unit = |div: f64, name: &str| {
        let x = (b / div * 10.0).round() / 10.0;
        // Python rounds half to even; number_format prints one decimal.
        let x = round_half_even(b / div, 1).unwrap_or(x);
        format!("{x:.1}\u{a0}{name}")
    };
    let text = if b < 1024.0 {
        format!(
            "{}\u{a0}{}",
            b as u64,
            if b as u64 == 1 { "byte" } else { "bytes" }
        )
    } else if b < 1048576.0 {
        unit(1024.0, "KB")
    } else if b < 1073741824.0 {
        unit(1048576.0, "MB")
    } else if b < 1099511627776.0 {
        unit(1073741824.0, "GB")
    } else if b < 1125899906842624.0 {
        unit(1099511627776.0, "TB")
    } else {
        unit(1125899906842624.0, "PB")
    };
    if neg { format!("-{text}") } else { text }
}

/// Python's `round(x, n)` (correctly rounded, half to even on exact halves).
fn round_half_even(x: f64, n: i32) -> Option<f64> {
    let s = format!("{x:.*}", n as usize);
    s.parse().ok()
}

fn stringformat(v: &Value, spec: &str) -> String {
    let Some(conv) = spec.chars().last() else {
        return String::new();
    };
    let body = &spec[..spec.len() - conv.len_utf8()];
    let left = body.contains('-');
    let zero = body.starts_with('0') || body.contains("-0") || body.starts_with("+0");
    let plus = body.contains('+');
    let (w, prec) = match body
        .trim_start_matches(['-', '+', '0', ' ', '#'])
        .split_once('.')
    {
        Some((w, p)) => (
            w.parse::<usize>().unwrap_or(0),
            Some(p.parse::<usize>().unwrap_or(0)),
        ),
        None => (
            body.trim_start_matches(['-', '+', '0', ' ', '#'])
                .parse::<usize>()
                .unwrap_or(0),
            None,
        ),
    };
    let text = match conv {
        's' => {
            let t = v.to_str().to_string();
            match prec {
                Some(p) => t.chars().take(p).collect(),
                None => t,
            }
        }
        'r' => v.repr(),
        'd' | 'i' => match (v, v.as_f64()) {
            (Value::Str(..), _) | (_, None) => return String::new(),
            (_, Some(f)) => {
                let i = f.trunc() as i64;
                if plus && i >= 0 {
                    format!("+{i}")
                } else {
                    i.to_string()
                }
            }
        },
        'f' | 'F' => match v.as_f64() {
            Some(f) if !matches!(v, Value::Str(..)) => {
                let t = format!("{f:.*}", prec.unwrap_or(6));
                if plus && f >= 0.0 { format!("+{t}") } else { t }
            }
            _ => return String::new(),
        },
        'x' | 'X' | 'o' => match v.as_int() {
            Some(i) => {
                let t = match conv {
                    'x' => format!("{:x}", i.unsigned_abs()),
                    'X' => format!("{:X}", i.unsigned_abs()),
                    _ => format!("{:o}", i.unsigned_abs()),
                };
                if i < 0 { format!("-{t}") } else { t }
            }
            None => return String::new(),
        },
        _ => return String::new(),
    };
    let len = text.chars().count();
    if len >= w {
        return text;
    }
    let pad = w - len;
    if left {
        format!("{text}{}", " ".repeat(pad))
    } else if zero && conv != 's' {
        let (sign, digits) = match text.strip_prefix(['-', '+']) {
            Some(d) => (&text[..1], d),
            None => ("", text.as_str()),
        };
        format!("{sign}{}{digits}", "0".repeat(pad))
    } else {
        format!("{}{text}", " ".repeat(pad))
    }
}

fn phone2numeric(t: &str) -> String {
    t.chars()
        .map(|c| match c.to_ascii_lowercase() {
            'a' | 'b' | 'c' => '2',
            'd' | 'e' | 'f' => '3',
            'g' | 'h' | 'i' => '4',
            'j' | 'k' | 'l' => '5',
            'm' | 'n' | 'o' => '6',
            'p' | 'q' | 'r' | 's' => '7',
            't' | 'u' | 'v' => '8',
            'w' | 'x' | 'y' | 'z' => '9',
            _ => c,
        })
        .collect()
}

fn dictsort(v: &Value, key: &str, reverse: bool) -> Value {
    let Value::List(items) = &v else {
        return Value::empty();
    };
    let lookup = |item: &Value| -> Option<Value> {
        let mut cur = item.clone();
        for part in key.split('.') {
            cur = match &cur {
                Value::Dict(d) => d.iter().find(|(k, _)| k == part).map(|(_, v)| v.clone())?,
                Value::List(l) => l.get(parse_int(part)? as usize).cloned()?,
                _ => return None,
            };
        }
        Some(cur)
    };
    let mut keyed = Vec::new();
    for item in items.iter() {
        match lookup(item) {
            Some(k) => keyed.push((k, item.clone())),
            None => return Value::empty(),
        }
    }
    let mut failed = false;
    keyed.sort_by(|a, b| {
        a.0.py_cmp(&b.0).unwrap_or_else(|| {
            failed = true;
            std::cmp::Ordering::Equal
        })
    });
    if failed {
        return Value::empty();
    }
    if reverse {
        keyed.reverse();
    }
    Value::List(Rc::new(keyed.into_iter().map(|(_, v)| v).collect()))
}

fn unordered_list(v: &Value, autoescape: bool, tabs: usize) -> String {
    let Value::List(items) = v else {
        return if autoescape {
            conditional_escape(v).to_str().to_string()
        } else {
            v.to_str().to_string()
        };
    };
    let indent = "\t".repeat(tabs);
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let item = &items[i];
        let mut sub = String::new();
        if let Some(Value::List(next)) = items.get(i + 1)
            && !matches!(item, Value::List(_))
        {
            let _ = next;
            sub = format!(
                "\n{indent}<ul>\n{}\n{indent}</ul>\n{indent}",
                unordered_list(&items[i + 1], autoescape, tabs + 1)
            );
            i += 1;
        }
        let text = if autoescape {
            conditional_escape(item).to_str().to_string()
        } else {
            item.to_str().to_string()
        };
        out.push(format!("{indent}<li>{text}{sub}</li>"));
        i += 1;
    }
    out.join("\n")
}

fn json_script(v: &Value, id: Option<Rc<str>>) -> Value {
    let json = to_json(v);
    let json = json
        .replace('>', "\\u003E")
        .replace('<', "\\u003C")
        .replace('&', "\\u0026");
    Value::safe(match id {
        Some(id) if !id.is_empty() => format!(
            "<script id=\"{}\" type=\"application/json\">{json}</script>",
            escape(&id)
        ),
        _ => format!("<script type=\"application/json\">{json}</script>"),
    })
}

/// Python's `json.dumps` (default separators, ASCII output).
fn to_json(v: &Value) -> String {
    match v {
        Value::None | Value::Block(_) => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(t, _) => {
            let mut out = String::new();
            crate::dialect::python::json_str(t, &mut out);
            out
        }
        Value::List(l) => format!("[{}]", l.iter().map(to_json).collect::<Vec<_>>().join(", ")),
        Value::Dict(d) => format!(
            "{{{}}}",
            d.iter()
                .map(|(k, v)| format!("{}: {}", to_json(&Value::str(k.as_str())), to_json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
