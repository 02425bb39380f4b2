//! Python string formatting as templates use it: `"%s" % x` (and the `format` filter, the
//! gettext functions) and `"{}".format(x)`, with markupsafe's escaping when the format is Markup.

use anyhow::{Result, bail};

use super::value::{Value, escape, escape_value, float_repr};

/// `fmt % args` (Markup formats escape their arguments).
pub fn percent(fmt: &Value, args: &Value) -> Result<Value> {
    let safe = fmt.is_safe();
    let f = fmt.as_str().unwrap_or("");
    let positional: Vec<Value> = match args {
        Value::Tuple(t) => t.to_vec(),
        _ => vec![args.clone()],
    };
    let mapping = match args {
        Value::Dict(_) => Some(args.clone()),
        _ => None,
    };
    let mut next = 0usize;
    let mut out = String::new();
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut key = None;
        if chars.peek() == Some(&'(') {
            chars.next();
            let mut k = String::new();
            let mut depth = 1;
            for c in chars.by_ref() {
                if c == '(' {
                    depth += 1;
                } else if c == ')' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                k.push(c);
            }
            key = Some(k);
        }
        let mut flags = String::new();
        while let Some(&c) = chars.peek() {
            if "-+ #0".contains(c) {
                flags.push(c);
                chars.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() {
                width.push(c);
                chars.next();
            } else {
                break;
            }
        }
        let mut prec = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_digit() {
                    p.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            prec = Some(p.parse::<usize>().unwrap_or(0));
        }
        let Some(ty) = chars.next() else {
            bail!("incomplete format");
        };
        if ty == '%' {
            out.push('%');
            continue;
        }
        let arg = if let Some(k) = &key {
            match &mapping {
                Some(Value::Dict(d)) => match d.borrow().get_str(k) {
                    Some(v) => v.clone(),
                    None => bail!("KeyError: {k:?} (a placeholder without its value)"),
                },
                _ => bail!("format requires a mapping"),
            }
        } else {
            if mapping.is_some() && positional.len() == 1 {
                // `'%s' % {}` formats the dict itself
            }
            let Some(v) = positional.get(next) else {
                bail!("not enough arguments for format string");
            };
            next += 1;
            v.clone()
        };
        let text = spec(ty, &flags, prec, &arg, safe)?;
        let width: usize = width.parse().unwrap_or(0);
        let n = text.chars().count();
        if n < width {
            let pad = width - n;
            if flags.contains('-') {
                out.push_str(&text);
                out.push_str(&" ".repeat(pad));
            } else if flags.contains('0') && "dfieEgGxXo".contains(ty) {
                let (sign, digits) = match text.strip_prefix('-') {
                    Some(d) => ("-", d),
                    None => ("", text.as_str()),
                };
                out.push_str(sign);
                out.push_str(&"0".repeat(pad));
                out.push_str(digits);
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(&text);
            }
        } else {
            out.push_str(&text);
        }
    }
    if mapping.is_none() && next < positional.len() && !matches!(args, Value::Dict(_)) {
        bail!("not all arguments converted during string formatting");
    }
    Ok(if safe {
        Value::markup(out)
    } else {
        Value::string(out)
    })
}

fn spec(ty: char, flags: &str, prec: Option<usize>, arg: &Value, safe: bool) -> Result<String> {
    let num = |v: &Value| -> Result<f64> {
        v.num()
            .ok_or_else(|| anyhow::anyhow!("a number is required, not {}", v.type_name()))
    };
    let sign = |s: String, neg: bool| {
        if neg {
            s
        } else if flags.contains('+') {
            format!("+{s}")
        } else if flags.contains(' ') {
            format!(" {s}")
        } else {
            s
        }
    };
    Ok(match ty {
        's' => {
            let s = if safe {
                escape_value(arg)
            } else {
                arg.to_str()
            };
            match prec {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        'r' | 'a' => {
            if safe {
                escape(&arg.repr())
            } else {
                arg.repr()
            }
        }
        'd' | 'i' | 'u' => {
            let i = match arg {
                Value::Float(f) => f.trunc() as i64,
                v => v.int().ok_or_else(|| {
                    anyhow::anyhow!(
                        "%d format: a real number is required, not {}",
                        v.type_name()
                    )
                })?,
            };
            sign(i.to_string(), i < 0)
        }
        'f' | 'F' => {
            let x = num(arg)?;
            sign(format!("{:.*}", prec.unwrap_or(6), x), x < 0.0)
        }
        'e' | 'E' => {
            let x = num(arg)?;
            let s = format!("{:.*e}", prec.unwrap_or(6), x);
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            let e: i32 = e.parse().unwrap_or(0);
            let s = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
            sign(if ty == 'E' { s.to_uppercase() } else { s }, x < 0.0)
        }
        'g' | 'G' => {
            let x = num(arg)?;
            sign(float_repr(x).trim_end_matches(".0").to_string(), x < 0.0)
        }
        'x' | 'X' | 'o' => {
            let i = arg
                .int()
                .ok_or_else(|| anyhow::anyhow!("%{ty} format: an integer is required"))?;
            let s = match ty {
                'x' => format!("{:x}", i.unsigned_abs()),
                'X' => format!("{:X}", i.unsigned_abs()),
                _ => format!("{:o}", i.unsigned_abs()),
            };
            let s = if flags.contains('#') {
                format!("0{ty}{s}")
            } else {
                s
            };
            if i < 0 { format!("-{s}") } else { s }
        }
        'c' => match arg {
            Value::Int(i) => char::from_u32(*i as u32)
                .map(String::from)
                .unwrap_or_default(),
            v => v.to_str(),
        },
        t => bail!("unsupported format character '{t}'"),
    })
}

/// `str.format(*args, **kwargs)` for `{}`, `{0}`, `{name}`, `{name.attr}` and simple specs.
pub fn format_method(fmt: &Value, pos: &[Value], kw: &[(String, Value)]) -> Result<Value> {
    let safe = fmt.is_safe();
    let f = fmt.as_str().unwrap_or("");
    let mut out = String::new();
    let mut auto = 0usize;
    let mut chars = f.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '}' {
            if chars.peek() == Some(&'}') {
                chars.next();
            }
            out.push('}');
            continue;
        }
        if c != '{' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            out.push('{');
            continue;
        }
        let mut field = String::new();
        for c in chars.by_ref() {
            if c == '}' {
                break;
            }
            field.push(c);
        }
        let (field, spec) = field.split_once(':').unwrap_or((&field, ""));
        let (field, conv) = field.split_once('!').unwrap_or((field, ""));
        let mut parts = field.split('.');
        let head = parts.next().unwrap_or("");
        let mut v = if head.is_empty() {
            auto += 1;
            pos.get(auto - 1).cloned()
        } else if let Ok(i) = head.parse::<usize>() {
            pos.get(i).cloned()
        } else {
            kw.iter().find(|(k, _)| k == head).map(|(_, v)| v.clone())
        }
        .ok_or_else(|| anyhow::anyhow!("format: no value for {{{field}}}"))?;
        for p in parts {
            v = super::render::getattr(&v, p);
        }
        let mut s = if conv == "r" { v.repr() } else { v.to_str() };
        if let Some(p) = spec.strip_prefix('.').and_then(|p| p.strip_suffix('f')) {
            let p: usize = p.parse().unwrap_or(6);
            s = format!("{:.*}", p, v.num().unwrap_or(0.0));
        }
        if safe && !v.is_safe() {
            s = escape(&s);
        }
        out.push_str(&s);
    }
    Ok(if safe {
        Value::markup(out)
    } else {
        Value::string(out)
    })
}
