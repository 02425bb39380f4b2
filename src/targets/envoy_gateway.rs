//! Target `envoy-gateway`: `envoy-gateway.yaml`, one ConfigMap per status code holding the
//! page as `response.body`, and a `BackendTrafficPolicy` on the Gateway
//! (`DOWNPAGE_ENVOY_GATEWAY`) whose `responseOverride` answers each code with its page.
//! The body is an Envoy format string: every `%` is written `%%` here, and only here.
//! Budget: a ConfigMap holds at most 1,048,576 bytes (the escaped body counts); Envoy
//! Gateway 1.6 and older also capped the body at 4096 bytes.

use std::fmt::Write;

use anyhow::{Result, bail};

use super::yaml::quote;
use super::{Artifact, Input, Page, Settings, content_type, thousands};

/// Kubernetes' limit on a ConfigMap's data (keys and values together).
pub const CONFIGMAP_LIMIT: usize = 1_048_576;

/// The response body limit of Envoy Gateway 1.6 and older.
pub const OLD_BODY_LIMIT: usize = 4096;

/// The ConfigMap key Envoy Gateway reads.
pub const KEY: &str = "response.body";

/// The body as an Envoy format string: `%` doubled.
pub fn escape(body: &str) -> String {
    body.replace('%', "%%")
}

/// The body limit for the configured version, and what it is.
fn body_limit(settings: &Settings) -> (usize, String) {
    let (major, minor) = settings.eg_version;
    if (major, minor) <= (1, 6) {
        (
            OLD_BODY_LIMIT,
            format!(
                "Envoy Gateway {major}.{minor}'s 4,096-byte response body limit (DOWNPAGE_ENVOY_GATEWAY_VERSION; 1.7 and later allow a whole ConfigMap)"
            ),
        )
    } else {
        (
            CONFIGMAP_LIMIT - KEY.len(),
            format!(
                "the {} bytes a ConfigMap holds, less its key {KEY}",
                thousands(CONFIGMAP_LIMIT)
            ),
        )
    }
}

pub fn check_budget(settings: &Settings, _code: u16, page: &Page) -> Result<()> {
    let body = std::str::from_utf8(&page.bytes).map_err(|_| {
        anyhow::anyhow!(
            "page {}: not UTF-8 text, which a ConfigMap's data cannot hold: save the template as UTF-8",
            page.dest
        )
    })?;
    let escaped = escape(body).len();
    let (limit, what) = body_limit(settings);
    if escaped > limit {
        let percent = if escaped == body.len() {
            String::new()
        } else {
            format!(" ({} with every % written %%)", thousands(escaped))
        };
        bail!(
            "page {} is {} bytes{percent}, more than {what}: make the page smaller (fewer or smaller inlined images and fonts)",
            page.dest,
            thousands(body.len()),
        );
    }
    Ok(())
}

pub fn artifacts(input: &Input) -> Result<Vec<Artifact>> {
    let Some(gateway) = &input.settings.gateway else {
        bail!("target envoy-gateway needs DOWNPAGE_ENVOY_GATEWAY (namespace/name)");
    };
    let ns = &gateway.namespace;
    let prefix = format!("downpage-{}", gateway.name);
    let (major, minor) = input.settings.eg_version;
    let mut text = format!(
        "# Envoy Gateway error pages made by downpage, for Envoy Gateway {major}.{minor}:\n\
         #     kubectl apply -f envoy-gateway.yaml\n\
         # One ConfigMap per status code (response.body: the page, every % written %% as Envoy\n\
         # format strings need), and a BackendTrafficPolicy on Gateway {ns}/{} that answers\n\
         # each code with its page, keeping the status, on every route of the Gateway.\n",
        gateway.name
    );
    let mut rules = String::new();
    for (code, page) in input.by_code() {
        check_budget(input.settings, code, page)?;
        let body = String::from_utf8_lossy(&page.bytes);
        let name = format!("{prefix}-{code}");
        let _ = write!(
            text,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/managed-by: downpage\ndata:\n  {KEY}: {}\n",
            quote(&escape(&body))
        );
        let _ = write!(
            rules,
            "    - match:\n        statusCodes:\n          - type: Value\n            value: {code}\n      response:\n        contentType: {}\n        body:\n          type: ValueRef\n          valueRef:\n            group: \"\"\n            kind: ConfigMap\n            name: {name}\n",
            quote(content_type(&page.dest))
        );
    }
    if rules.is_empty() {
        bail!(
            "target envoy-gateway: no page has a status code, so there is nothing to override: add codes with DOWNPAGE_CODES or name pages like 503.html"
        );
    }
    let _ = write!(
        text,
        "---\napiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\nmetadata:\n  name: {prefix}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/managed-by: downpage\nspec:\n  targetRefs:\n    - group: gateway.networking.k8s.io\n      kind: Gateway\n      name: {}\n  responseOverride:\n{rules}",
        gateway.name
    );
    Ok(vec![Artifact::config("envoy-gateway.yaml", text)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::settings::GatewayRef;

    #[test]
    fn percent_is_doubled_and_counted() {
        assert_eq!(escape("width:100%;%x"), "width:100%%;%%x");
        let mut settings = Settings {
            eg_version: (1, 6),
            ..Settings::default()
        };
        let page = Page {
            dest: "503.html".into(),
            code: Some(503),
            bytes: [vec![b'a'; 4000], vec![b'%'; 60]].concat(),
        };
        let err = check_budget(&settings, 503, &page).unwrap_err().to_string();
        assert!(
            err.contains("4,060 bytes (4,120 with every % written %%)"),
            "{err}"
        );
        settings.eg_version = (1, 7);
        check_budget(&settings, 503, &page).unwrap();
        settings.gateway = Some(GatewayRef {
            namespace: "web".into(),
            name: "eg".into(),
        });
        let input = Input {
            settings: &settings,
            pages: std::slice::from_ref(&page),
            root: None,
            gzip: false,
            langs: &[],
        };
        let yaml = String::from_utf8(artifacts(&input).unwrap().remove(0).bytes).unwrap();
        assert!(yaml.contains("  name: downpage-eg-503\n  namespace: web\n"));
        assert!(yaml.contains(&format!(
            "{KEY}: \"{}{}\"",
            "a".repeat(4000),
            "%".repeat(120)
        )));
    }
}
