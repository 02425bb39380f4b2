//! Config → the target settings: `DOWNPAGE_TARGETS` and the variables each target reads
//! (`DOWNPAGE_ENVOY_GATEWAY`, `DOWNPAGE_HAPROXY_BUFSIZE`, …), validated here so that every
//! error names the variable, the bad value and the fix. Called by `config` only.

use anyhow::{Result, bail};

use crate::suggest;

/// One delivery platform `DOWNPAGE_TARGETS` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Nginx,
    IngressNginx,
    EnvoyGateway,
    Haproxy,
    Traefik,
    Caddy,
    Apache,
    Cloudflare,
}

/// Every target, with the name `DOWNPAGE_TARGETS` uses, in documentation order.
pub const KINDS: &[(Kind, &str)] = &[
    (Kind::Nginx, "nginx"),
    (Kind::IngressNginx, "ingress-nginx"),
    (Kind::EnvoyGateway, "envoy-gateway"),
    (Kind::Haproxy, "haproxy"),
    (Kind::Traefik, "traefik"),
    (Kind::Caddy, "caddy"),
    (Kind::Apache, "apache"),
    (Kind::Cloudflare, "cloudflare"),
];

impl Kind {
    pub fn name(self) -> &'static str {
        KINDS
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("", |(_, n)| n)
    }

    /// Whether the target's configuration names the folder the pages are served from.
    pub fn needs_root(self) -> bool {
        matches!(
            self,
            Kind::Nginx | Kind::IngressNginx | Kind::Haproxy | Kind::Caddy | Kind::Apache
        )
    }
}

/// The Gateway an Envoy Gateway policy targets (`DOWNPAGE_ENVOY_GATEWAY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayRef {
    pub namespace: String,
    pub name: String,
}

/// Default `DOWNPAGE_HAPROXY_BUFSIZE`: HAProxy's own default `tune.bufsize`.
pub const DEFAULT_BUFSIZE: u64 = 16384;

/// Default `DOWNPAGE_ENVOY_GATEWAY_VERSION`.
pub const DEFAULT_EG_VERSION: (u32, u32) = (1, 9);

/// Validated target settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// `DOWNPAGE_TARGETS`, sorted, without repeats.
    pub kinds: Vec<Kind>,
    /// `DOWNPAGE_ENVOY_GATEWAY`; set whenever `envoy-gateway` is a target.
    pub gateway: Option<GatewayRef>,
    /// `DOWNPAGE_ENVOY_GATEWAY_VERSION` as (major, minor).
    pub eg_version: (u32, u32),
    /// `DOWNPAGE_HAPROXY_BUFSIZE`.
    pub haproxy_bufsize: u64,
    /// `DOWNPAGE_CLOUDFLARE_INLINE`.
    pub cloudflare_inline: bool,
    /// `DOWNPAGE_TRAEFIK_STATUS` as an inclusive range.
    pub traefik_status: (u16, u16),
    /// `DOWNPAGE_TRAEFIK_PAGES_URL`: the file server the middleware sends errors to.
    pub traefik_pages_url: Option<String>,
    /// `DOWNPAGE_SERVE_ROOT`, else `DOWNPAGE_NGINX_ROOT`: where the configurations expect
    /// the pages; `None`: the output folder, made absolute.
    pub serve_root: Option<String>,
}

impl Settings {
    pub fn has(&self, kind: Kind) -> bool {
        self.kinds.contains(&kind)
    }
}

/// The target variables as given.
#[derive(Debug, Default)]
pub struct RawTargets<'a> {
    pub targets: Option<&'a str>,
    pub envoy_gateway: Option<&'a str>,
    pub envoy_gateway_version: Option<&'a str>,
    pub haproxy_bufsize: Option<&'a str>,
    pub cloudflare_inline: Option<&'a str>,
    pub traefik_status: Option<&'a str>,
    pub traefik_pages_url: Option<&'a str>,
    pub serve_root: Option<&'a str>,
    pub nginx_root: Option<&'a str>,
}

/// Validates the target variables. A variable of a target that is not asked for is an
/// error (it would do nothing).
pub fn parse(raw: &RawTargets) -> Result<Settings> {
    let kinds = match raw.targets {
        None => Vec::new(),
        Some(text) => parse_kinds(text)?,
    };
    let has = |k: Kind| kinds.contains(&k);
    let unused = |var: &str, value: Option<&str>, kind: Kind| -> Result<()> {
        if value.is_some() && !has(kind) {
            bail!(
                "{var} is set but DOWNPAGE_TARGETS does not name {}: add {} to DOWNPAGE_TARGETS, or unset {var}",
                kind.name(),
                kind.name()
            );
        }
        Ok(())
    };
    unused(
        "DOWNPAGE_ENVOY_GATEWAY",
        raw.envoy_gateway,
        Kind::EnvoyGateway,
    )?;
    unused(
        "DOWNPAGE_ENVOY_GATEWAY_VERSION",
        raw.envoy_gateway_version,
        Kind::EnvoyGateway,
    )?;
    unused(
        "DOWNPAGE_HAPROXY_BUFSIZE",
        raw.haproxy_bufsize,
        Kind::Haproxy,
    )?;
    unused(
        "DOWNPAGE_CLOUDFLARE_INLINE",
        raw.cloudflare_inline,
        Kind::Cloudflare,
    )?;
    unused("DOWNPAGE_TRAEFIK_STATUS", raw.traefik_status, Kind::Traefik)?;
    unused(
        "DOWNPAGE_TRAEFIK_PAGES_URL",
        raw.traefik_pages_url,
        Kind::Traefik,
    )?;
    let gateway = match raw.envoy_gateway {
        None if has(Kind::EnvoyGateway) => bail!(
            "DOWNPAGE_TARGETS names envoy-gateway but DOWNPAGE_ENVOY_GATEWAY is not set: set it to the Gateway the policy targets, as namespace/name (e.g. default/eg)"
        ),
        None => None,
        Some(text) => Some(parse_gateway(text)?),
    };
    let eg_version = match raw.envoy_gateway_version {
        None => DEFAULT_EG_VERSION,
        Some(text) => parse_version(text)?,
    };
    let haproxy_bufsize = match raw.haproxy_bufsize {
        None => DEFAULT_BUFSIZE,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(n) if (1024..=(1 << 30)).contains(&n) => n,
            _ => bail!(
                "DOWNPAGE_HAPROXY_BUFSIZE \"{text}\" is not a buffer size: write HAProxy's tune.bufsize in bytes, 1024 to 1073741824 (the default is {DEFAULT_BUFSIZE})"
            ),
        },
    };
    let cloudflare_inline = match raw.cloudflare_inline.map(|t| t.trim().to_ascii_lowercase()) {
        None => false,
        Some(t) if matches!(t.as_str(), "true" | "1" | "yes" | "on") => true,
        Some(t) if matches!(t.as_str(), "false" | "0" | "no" | "off" | "") => false,
        Some(_) => bail!(
            "DOWNPAGE_CLOUDFLARE_INLINE \"{}\" is not true or false: write true (the pages go inline in a Custom Errors rule, 10,000 bytes at most) or false",
            raw.cloudflare_inline.unwrap_or_default()
        ),
    };
    let traefik_status = match raw.traefik_status {
        None => (500, 599),
        Some(text) => parse_range(text)?,
    };
    let traefik_pages_url = match raw.traefik_pages_url {
        None => None,
        Some(url) => {
            let ok = (url.starts_with("http://") || url.starts_with("https://"))
                && url.len() > 8
                && url
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\\'));
            if !ok {
                bail!(
                    "DOWNPAGE_TRAEFIK_PAGES_URL \"{url}\" is not an http(s) URL: write the address of the file server that serves the pages, like http://downpage-pages:80"
                );
            }
            Some(url.trim_end_matches('/').to_string())
        }
    };
    let serve_root = match (raw.serve_root, raw.nginx_root) {
        (Some(root), _) => Some(check_root(root, "DOWNPAGE_SERVE_ROOT")?),
        (None, Some(root)) if kinds.iter().any(|k| k.needs_root() && *k != Kind::Nginx) => {
            Some(check_root(root, "DOWNPAGE_NGINX_ROOT")?)
        }
        (None, root) => root.map(str::to_string),
    };
    Ok(Settings {
        kinds,
        gateway,
        eg_version,
        haproxy_bufsize,
        cloudflare_inline,
        traefik_status,
        traefik_pages_url,
        serve_root,
    })
}

/// `DOWNPAGE_TARGETS`: comma-separated names; an unknown one is named with the nearest known.
fn parse_kinds(text: &str) -> Result<Vec<Kind>> {
    let mut kinds = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let lower = item.to_ascii_lowercase();
        if let Some((k, _)) = KINDS.iter().find(|(_, n)| *n == lower) {
            kinds.push(*k);
            continue;
        }
        // A name that starts like a target (envoy, ingress) is nearest to it.
        let nearest = KINDS
            .iter()
            .map(|(_, n)| {
                let d = if n.starts_with(lower.as_str()) {
                    0
                } else {
                    suggest::distance(&lower, n)
                };
                (d, *n)
            })
            .min()
            .map_or("", |(_, n)| n);
        let all: Vec<&str> = KINDS.iter().map(|(_, n)| *n).collect();
        bail!(
            "DOWNPAGE_TARGETS names \"{item}\", which is not a target; the nearest is \"{nearest}\" (the targets are {})",
            all.join(", ")
        );
    }
    if kinds.is_empty() {
        bail!(
            "DOWNPAGE_TARGETS is empty: name one or more targets, comma-separated (e.g. haproxy,caddy), or unset it"
        );
    }
    kinds.sort();
    kinds.dedup();
    Ok(kinds)
}

/// `namespace/name`, each a Kubernetes name (DNS-1123 label).
fn parse_gateway(text: &str) -> Result<GatewayRef> {
    let label = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    };
    match text.trim().split_once('/') {
        Some((ns, name)) if label(ns) && label(name) && name.len() <= 40 => Ok(GatewayRef {
            namespace: ns.to_string(),
            name: name.to_string(),
        }),
        _ => bail!(
            "DOWNPAGE_ENVOY_GATEWAY \"{text}\" is not namespace/name: write the Gateway's namespace and name, lower-case letters, digits and -, like default/eg (the name at most 40 characters: the ConfigMaps are named downpage-<name>-<code>)"
        ),
    }
}

/// `1.9`, `v1.6`, `1.6.2`: major and minor.
fn parse_version(text: &str) -> Result<(u32, u32)> {
    let t = text.trim().trim_start_matches('v');
    let mut parts = t.split('.');
    let major = parts.next().and_then(|p| p.parse().ok());
    let minor = parts.next().and_then(|p| p.parse().ok());
    let rest_ok = parts.all(|p| p.parse::<u32>().is_ok());
    match (major, minor) {
        (Some(major), Some(minor)) if rest_ok => Ok((major, minor)),
        _ => bail!(
            "DOWNPAGE_ENVOY_GATEWAY_VERSION \"{text}\" is not a version: write the Envoy Gateway release like 1.9 or v1.6.2"
        ),
    }
}

/// `500-599`, or one code `503`.
fn parse_range(text: &str) -> Result<(u16, u16)> {
    let code = |s: &str| {
        s.trim()
            .parse::<u16>()
            .ok()
            .filter(|c| (400..=599).contains(c))
    };
    let range = match text.split_once('-') {
        Some((a, b)) => code(a).zip(code(b)),
        None => code(text).map(|c| (c, c)),
    };
    match range {
        Some((a, b)) if a <= b => Ok((a, b)),
        _ => bail!(
            "DOWNPAGE_TRAEFIK_STATUS \"{text}\" is not a status range: write FIRST-LAST within 400-599, like 500-599 (the errors middleware's status)"
        ),
    }
}

/// A serve root for the targets other than nginx: an absolute path of letters, digits and
/// `/ . _ - ~ + @ , =`, so it can sit unquoted or quoted in every configuration language.
pub fn check_root(root: &str, var: &str) -> Result<String> {
    let plain = root.starts_with('/')
        && root.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'/' | b'.' | b'_' | b'-' | b'~' | b'+' | b'@' | b',' | b'='
                )
        });
    if !plain {
        bail!(
            "{var} \"{root}\" is not a plain absolute path: write the folder where the server sees the pages, like /srv/errors, with letters, digits and / . _ - ~ + @ , = only"
        );
    }
    Ok(match root.trim_end_matches('/') {
        "" => "/".to_string(),
        r => r.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(targets: &str) -> RawTargets<'_> {
        RawTargets {
            targets: Some(targets),
            ..RawTargets::default()
        }
    }

    #[test]
    fn unknown_targets_name_the_nearest() {
        let err = parse(&raw("haproxy,trafik")).unwrap_err().to_string();
        assert!(
            err.contains("\"trafik\"") && err.contains("nearest is \"traefik\""),
            "{err}"
        );
        let err = parse(&raw("envoy")).unwrap_err().to_string();
        assert!(err.contains("nearest is \"envoy-gateway\""), "{err}");
        let err = parse(&raw("apache2")).unwrap_err().to_string();
        assert!(err.contains("nearest is \"apache\""), "{err}");
    }

    #[test]
    fn defaults_and_required() {
        let s = parse(&raw("Caddy, haproxy,caddy")).unwrap();
        assert_eq!(s.kinds, vec![Kind::Haproxy, Kind::Caddy]);
        assert_eq!(s.haproxy_bufsize, 16384);
        assert_eq!(s.traefik_status, (500, 599));
        let err = parse(&raw("envoy-gateway")).unwrap_err().to_string();
        assert!(err.contains("DOWNPAGE_ENVOY_GATEWAY is not set"), "{err}");
        let r = RawTargets {
            haproxy_bufsize: Some("32768"),
            ..raw("caddy")
        };
        let err = parse(&r).unwrap_err().to_string();
        assert!(err.contains("does not name haproxy"), "{err}");
    }

    #[test]
    fn values_are_checked() {
        assert_eq!(parse_version("v1.6.2").unwrap(), (1, 6));
        assert!(parse_version("latest").is_err());
        assert_eq!(parse_range("400-599").unwrap(), (400, 599));
        assert_eq!(parse_range("503").unwrap(), (503, 503));
        assert!(parse_range("599-500").is_err());
        assert!(parse_range("200-299").is_err());
        assert!(parse_gateway("default/eg").is_ok());
        for bad in ["eg", "Default/eg", "a/b/c", "/eg", "ns/"] {
            assert!(parse_gateway(bad).is_err(), "{bad}");
        }
        assert!(check_root("/srv/my pages", "V").is_err());
        assert_eq!(check_root("/srv/pages/", "V").unwrap(), "/srv/pages");
    }
}
