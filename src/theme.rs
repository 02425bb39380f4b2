//! The built-in theme's settings (`DOWNPAGE_VAR_*` values such as `brand_color` and `logo`):
//! checked for config, then turned into safe, ready-to-print context for the templates —
//! `theme` (colours, logo, links, maintenance sentences) and `t` (the labels in the page's
//! language). Pure. The theme never prints a raw setting into CSS: the brand colour is
//! parsed into numbers and written back as `#rrggbb`.

use serde_json::{Map, Value};

use crate::catalog::Catalog;

/// The default brand colour (a calm indigo).
pub const DEFAULT_BRAND: &str = "#4f5bd5";

/// Page background in light mode and the raised surface in dark mode, as in `base.html`:
/// the accent is adjusted until text in it reads at WCAG AA on these.
const LIGHT_SURFACE: Rgb = Rgb(0xf6, 0xf7, 0xf9);
const DARK_SURFACE: Rgb = Rgb(0x1f, 0x21, 0x29);
/// Page background in dark mode.
const DARK_BG: Rgb = Rgb(0x13, 0x15, 0x1b);
/// Button text on the dark-mode accent.
const DARK_INK: &str = "#111318";
/// Contrast kept for text in the accent colour (AA asks 4.5; a little margin for rounding).
const TEXT_CONTRAST: f64 = 4.6;

/// Settings the theme reads; `check` validates those that need it.
pub const SETTINGS: &[&str] = &[
    "site_name",
    "logo",
    "logo_file",
    "brand_color",
    "home_url",
    "status_url",
    "support",
    "maintenance_message",
    "maintenance_until",
    "retry_after",
];

/// Checks one theme setting's value; `Err` starts with the value, for the caller to prefix
/// with where it came from (`DOWNPAGE_VAR_BRAND_COLOR`). Other names pass.
pub fn check(name: &str, value: &str) -> Result<(), String> {
    match name {
        "brand_color" => parse_hex(value).map(|_| ()).ok_or_else(|| {
            format!("\"{value}\" is not a hex colour: write #RRGGBB or #RGB, e.g. {DEFAULT_BRAND}")
        }),
        "logo" => logo(value).map(|_| ()),
        "home_url" | "status_url" => link(value).map(|_| ()),
        "retry_after" => retry_seconds(value).map(|_| ()),
        _ => Ok(()),
    }
}

/// The `theme` and `t` context of a rendered page, from its context: the catalog of its
/// `lang` (English when unknown), `{code}` from its `code`.
pub fn for_page(ctx: &Map<String, Value>) -> Result<(Value, Value), String> {
    let lang = ctx.get("lang").and_then(Value::as_str).unwrap_or("");
    let code = crate::catalog::code_in(ctx);
    context(ctx, crate::catalog::get(lang), code)
}

/// The `theme` and `t` context of a page in `catalog`'s language, from the page's merged
/// context (which holds the settings). `code` fills `{code}` in the labels.
pub fn context(
    ctx: &Map<String, Value>,
    catalog: &Catalog,
    code: Option<u16>,
) -> Result<(Value, Value), String> {
    let setting = |name: &str| -> Option<&str> {
        ctx.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    };
    let checked = |name: &str| -> Result<Option<&str>, String> {
        match setting(name) {
            Some(v) => check(name, v)
                .map(|()| Some(v))
                .map_err(|e| format!("{name} {e}")),
            None => Ok(None),
        }
    };
    let brand = parse_hex(checked("brand_color")?.unwrap_or(DEFAULT_BRAND)).expect("checked");
    let Palette {
        light,
        dark,
        tint,
        tint_dark,
    } = palette(brand);
    let mut theme = Map::new();
    let rtl = crate::language::is_rtl(&catalog.lang);
    theme.insert("dir".into(), if rtl { "rtl" } else { "ltr" }.into());
    theme.insert("brand".into(), brand.hex().into());
    theme.insert("accent".into(), light.hex().into());
    theme.insert("on_accent".into(), "#fff".into());
    theme.insert("accent_dark".into(), dark.hex().into());
    theme.insert("tint".into(), tint.hex().into());
    theme.insert("tint_dark".into(), tint_dark.hex().into());
    theme.insert("on_accent_dark".into(), DARK_INK.into());
    if let Some(value) = checked("logo")? {
        let (kind, markup) = logo(value).expect("checked");
        theme.insert(kind.into(), markup.into());
    }
    let home = checked("home_url")?.unwrap_or("/");
    theme.insert("home_url".into(), home.into());
    if let Some(url) = checked("status_url")? {
        theme.insert("status_url".into(), url.into());
    }
    if let Some(support) = setting("support") {
        theme.insert("support".into(), support.into());
        if let Some(href) = support_href(support) {
            theme.insert("support_href".into(), href.into());
        }
    }
    let fill = |key: &str, from: &str, to: &str| catalog.ui(key).replace(from, to);
    if let Some(until) = setting("maintenance_until") {
        theme.insert("back_by".into(), fill("back_by", "{until}", until).into());
        theme.insert("until".into(), until.into());
    }
    if let Some(seconds) = checked("retry_after")? {
        let seconds = retry_seconds(seconds).expect("checked");
        theme.insert("retry_after".into(), seconds.into());
        let minutes = seconds.div_ceil(60).max(1);
        let duration = if minutes >= 120 && minutes.is_multiple_of(60) {
            catalog
                .ui("duration_h")
                .replace("{n}", &(minutes / 60).to_string())
        } else {
            catalog
                .ui("duration_min")
                .replace("{n}", &minutes.to_string())
        };
        theme.insert(
            "retry_in".into(),
            fill("retry_in", "{duration}", &duration).into(),
        );
    }
    let code = code.map(|c| c.to_string()).unwrap_or_default();
    let t: Map<String, Value> = catalog
        .ui
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.replace("{code}", &code))))
        .collect();
    Ok((Value::Object(theme), Value::Object(t)))
}

/// The logo as `("logo_svg", markup)` (inline SVG, printed as-is) or
/// `("logo_src", data URI)` (an `<img src>`, escaped).
fn logo(value: &str) -> Result<(&'static str, String), String> {
    let v = value.trim();
    if v.starts_with("data:image/") {
        if v.contains(['"', '<', '>', ' ', '\n']) {
            return Err(
                "is not a valid data URI: write data:image/svg+xml;base64,... (no quotes, spaces or < >)"
                    .into(),
            );
        }
        return Ok(("logo_src", v.to_string()));
    }
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("<svg") && lower.ends_with("</svg>") {
        if lower.contains("<script") || has_event_handler(&lower) {
            return Err(
                "contains a script or an event handler: remove it (pages run no JavaScript)".into(),
            );
        }
        if lower.contains("href=\"http") || lower.contains("href='http") {
            return Err("links to an external file: inline it (pages make no requests)".into());
        }
        return Ok(("logo_svg", v.to_string()));
    }
    Err(format!(
        "\"{}\" is neither inline SVG (<svg ...>...</svg>) nor a data URI (data:image/...): pages load nothing from elsewhere, so embed the image",
        shorten(v)
    ))
}

/// Whether SVG markup has an `on…=` attribute.
fn has_event_handler(lower: &str) -> bool {
    lower.match_indices("on").any(|(i, _)| {
        let after_space = lower[..i].ends_with(|c: char| c.is_whitespace() || c == '/');
        let rest = &lower[i + 2..];
        if !after_space {
            return false;
        }
        let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        name_len > 0 && rest[name_len..].trim_start().starts_with('=')
    })
}

/// A link the theme prints in `href`: a path, `http(s)://` or `mailto:` (no `javascript:`).
fn link(value: &str) -> Result<&str, String> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    let ok = (v.starts_with('/') && !v.starts_with("//"))
        || lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:");
    if ok && !v.contains(char::is_whitespace) {
        Ok(v)
    } else {
        Err(format!(
            "\"{}\" is not a link: write a path like /, or a full https:// address",
            shorten(v)
        ))
    }
}

/// Where the support contact links to: an e-mail address or a web address.
fn support_href(value: &str) -> Option<String> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if v.contains(char::is_whitespace) {
        None
    } else if lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
    {
        Some(v.to_string())
    } else if v.contains('@') && !v.starts_with('@') && !v.ends_with('@') {
        Some(format!("mailto:{v}"))
    } else {
        None
    }
}

/// `Retry-After` in seconds (the delay form; 1 second to 7 days).
fn retry_seconds(value: &str) -> Result<u64, String> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=604_800).contains(s))
        .ok_or_else(|| {
            format!(
                "\"{}\" is not a number of seconds: write e.g. 900 for 15 minutes",
                shorten(value)
            )
        })
}

fn shorten(v: &str) -> String {
    if v.chars().count() > 40 {
        format!("{}...", v.chars().take(40).collect::<String>())
    } else {
        v.to_string()
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rgb(u8, u8, u8);

impl Rgb {
    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG relative luminance.
    fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }

    fn mix(self, other: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

/// WCAG contrast ratio.
fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `colour`, moved towards `toward` (black or white) just enough to read on `surface`.
/// The colours made from a brand colour.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Palette {
    /// The accent on the light surface and on the dark one, adjusted until text reads.
    light: Rgb,
    dark: Rgb,
    /// The tinted backgrounds, light and dark.
    tint: Rgb,
    tint_dark: Rgb,
}

/// The palette of `brand`, remembered for the last brand a render thread asked: it is the
/// same for every page of a site, and the contrast search costs up to 82 `powf` calls (at
/// 10,000 pages it was 8% of the instructions: tests/bench/run.sh).
fn palette(brand: Rgb) -> Palette {
    use std::cell::Cell;
    thread_local!(static LAST: Cell<Option<(Rgb, Palette)>> = const { Cell::new(None) });
    LAST.with(|last| match last.get() {
        Some((seen, palette)) if seen == brand => palette,
        _ => {
            let palette = Palette {
                light: readable(brand, LIGHT_SURFACE, Rgb(0, 0, 0)),
                dark: readable(brand, DARK_SURFACE, Rgb(255, 255, 255)),
                tint: LIGHT_SURFACE.mix(brand, 0.14),
                tint_dark: DARK_BG.mix(brand, 0.22),
            };
            last.set(Some((brand, palette)));
            palette
        }
    })
}

fn readable(colour: Rgb, surface: Rgb, toward: Rgb) -> Rgb {
    (0..=40)
        .map(|step| colour.mix(toward, f64::from(step) / 40.0))
        .find(|c| contrast(*c, surface) >= TEXT_CONTRAST)
        .unwrap_or(toward)
}

/// `#rgb` or `#rrggbb`, nothing else (the value ends up inside CSS).
fn parse_hex(value: &str) -> Option<Rgb> {
    let hex = value.trim().strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |i: usize, len: usize| u8::from_str_radix(&hex[i..i + len], 16).ok();
    match hex.len() {
        3 => Some(Rgb(digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17)),
        6 => Some(Rgb(digit(0, 2)?, digit(2, 2)?, digit(4, 2)?)),
        _ => None,
    }
}

/// The JSON a test passes as a page's settings.
#[cfg(test)]
fn settings(pairs: &[(&str, &str)]) -> Map<String, Value> {
    use serde_json::json;
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    #[test]
    fn brand_colour_is_hex_only_so_nothing_breaks_out_of_css() {
        for bad in [
            "red;}</style><script>alert(1)</script>",
            "red",
            "#12345",
            "#ggg",
            "url(x)",
            "#fff;",
        ] {
            assert!(check("brand_color", bad).is_err(), "{bad}");
        }
        assert_eq!(parse_hex("#ABC"), Some(Rgb(0xaa, 0xbb, 0xcc)));
        assert_eq!(parse_hex(" #0a0B0c "), Some(Rgb(10, 11, 12)));
    }

    #[test]
    fn any_brand_colour_gives_accents_that_read_at_aa_in_light_and_dark() {
        for brand in [
            "#ffff00", "#000000", "#ffffff", "#4f5bd5", "#e11d48", "#10b981", "#777",
        ] {
            let ctx = settings(&[("brand_color", brand)]);
            let (theme, _) = context(&ctx, catalog::english(), Some(502)).unwrap();
            let accent = parse_hex(theme["accent"].as_str().unwrap()).unwrap();
            let dark = parse_hex(theme["accent_dark"].as_str().unwrap()).unwrap();
            assert!(contrast(accent, LIGHT_SURFACE) >= 4.5, "{brand} light");
            assert!(
                contrast(accent, Rgb(255, 255, 255)) >= 4.5,
                "{brand} on white"
            );
            assert!(contrast(dark, DARK_SURFACE) >= 4.5, "{brand} dark");
            assert!(
                contrast(dark, parse_hex(DARK_INK).unwrap()) >= 4.5,
                "{brand} ink"
            );
        }
    }

    #[test]
    fn logo_is_inline_svg_or_a_data_uri() {
        assert_eq!(logo("<svg viewBox='0 0 1 1'></svg>").unwrap().0, "logo_svg");
        assert_eq!(logo("data:image/png;base64,AAAA").unwrap().0, "logo_src");
        for bad in [
            "https://example.com/logo.png",
            "<svg onload='x()'></svg>",
            "<svg><script>x</script></svg>",
            "<svg><image href=\"https://x/y.png\"/></svg>",
            "data:image/png;base64,\"><script>",
        ] {
            assert!(logo(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_support_and_retry_after() {
        assert!(link("javascript:alert(1)").is_err());
        assert!(link("//evil.example").is_err());
        assert_eq!(
            link("https://status.example.com").unwrap(),
            "https://status.example.com"
        );
        assert_eq!(
            support_href("help@example.com").as_deref(),
            Some("mailto:help@example.com")
        );
        assert_eq!(support_href("Call 0800 123"), None);
        assert!(retry_seconds("0").is_err() && retry_seconds("soon").is_err());
        let ctx = settings(&[("retry_after", "900"), ("maintenance_until", "14:00 UTC")]);
        let (theme, t) = context(&ctx, catalog::get("de"), Some(503)).unwrap();
        assert_eq!(theme["retry_after"], 900);
        assert!(
            theme["retry_in"].as_str().unwrap().contains("15"),
            "{theme}"
        );
        assert!(
            theme["back_by"].as_str().unwrap().contains("14:00 UTC"),
            "{theme}"
        );
        assert!(t["error_code"].as_str().unwrap().contains("503"), "{t}");
        let e = context(
            &settings(&[("brand_color", "blue")]),
            catalog::english(),
            None,
        )
        .unwrap_err();
        assert!(
            e.starts_with("brand_color \"blue\" is not a hex colour"),
            "{e}"
        );
    }
}
