//! `DOWNPAGE_TARGETS`, through the real binary: the files each target writes, the budgets,
//! and bad input, each leaving the pages of the previous run byte for byte. The servers
//! themselves run in tests/checks/targets.sh.

use std::collections::BTreeMap;
use std::fs;

use crate::support::Test;

/// Every file of the output folder and its bytes.
fn snapshot(t: &Test) -> BTreeMap<String, Vec<u8>> {
    t.files("out")
        .into_iter()
        .map(|f| {
            let bytes = fs::read(t.path(&format!("out/{f}"))).unwrap();
            (f, bytes)
        })
        .collect()
}

/// A site whose 503 page is `size` bytes of `fill` (the 502 page stays small).
fn site(name: &str, size: usize, fill: char) -> Test {
    Test::new(name)
        .file("tpl/big.html", &fill.to_string().repeat(size))
        .file("tpl/small.html", "<main>down</main>\n")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_TEMPLATE_DIR", "tpl")
        .env("DOWNPAGE_PAGES", "503.html=big.html,502.html=small.html")
}

/// The same site (same folder) whose 503 page is `text` instead.
fn with_503(t: &Test, text: &str) -> Test {
    t.clone()
        .file("tpl/other.html", text)
        .env("DOWNPAGE_PAGES", "503.html=other.html,502.html=small.html")
}

/// Runs `good` (which must succeed), then `bad` in the same folder, which must fail with
/// `needles`; the output folder must be exactly as `good` left it.
fn fails_and_keeps(good: &Test, bad: &Test, needles: &[&str]) {
    good.ok();
    let before = snapshot(good);
    assert!(!before.is_empty());
    bad.fails(needles);
    assert_eq!(snapshot(good), before, "a failed run changed the output");
}

#[test]
fn every_target_writes_its_files() {
    let t = Test::new("targets-all")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_SERVE_ROOT", "/srv/errors")
        .env(
            "DOWNPAGE_TARGETS",
            "nginx,envoy-gateway,haproxy,traefik,caddy,apache,cloudflare",
        )
        .env("DOWNPAGE_ENVOY_GATEWAY", "web/eg")
        .env("DOWNPAGE_TRAEFIK_STATUS", "500-503");
    t.ok();
    let files = t.files("out");
    for f in [
        "500.html",
        "501.html",
        "502.html",
        "503.html",
        "504.html",
        "5xx.html",
        "Caddyfile",
        "apache.conf",
        "cloudflare/500.html",
        "cloudflare/504.html",
        "envoy-gateway.yaml",
        "haproxy.cfg",
        "haproxy/502.http",
        "nginx.conf",
        "traefik.yaml",
    ] {
        assert!(files.contains(&f.to_string()), "{f} missing: {files:?}");
    }
    // 501 had no page: Traefik gets the 5xx class page under its name.
    assert_eq!(t.read("out/501.html"), t.read("out/5xx.html"));
    assert!(
        t.read("out/haproxy.cfg")
            .contains("errorfile 502 /srv/errors/haproxy/502.http\n")
    );
    assert!(t.read("out/nginx.conf").contains("root \"/srv/errors\";"));
    assert!(
        t.read("out/apache.conf")
            .contains("ErrorDocument 503 /_errors/503.html\n")
    );
    assert!(t.read("out/Caddyfile").contains("root * /srv/errors\n"));
    let http = t.read("out/haproxy/503.http");
    let page = t.read("out/503.html");
    assert!(http.starts_with("HTTP/1.0 503 Service Unavailable\r\n"));
    assert!(http.ends_with(&format!("Content-Length: {}\r\n\r\n{page}", page.len())));
}

#[test]
fn percent_is_escaped_only_in_the_envoy_gateway_file() {
    let t = site("targets-percent", 10, '%')
        .env("DOWNPAGE_TARGETS", "envoy-gateway,haproxy")
        .env("DOWNPAGE_ENVOY_GATEWAY", "default/eg");
    t.ok();
    assert_eq!(t.read("out/503.html"), "%".repeat(10));
    assert!(t.read("out/haproxy/503.http").ends_with(&"%".repeat(10)));
    let yaml = t.read("out/envoy-gateway.yaml");
    assert!(
        yaml.contains(&format!("response.body: \"{}\"\n", "%".repeat(20))),
        "{yaml}"
    );
}

#[test]
fn an_unknown_target_is_named_with_the_nearest() {
    let good = site("targets-unknown", 100, 'x').env("DOWNPAGE_TARGETS", "haproxy");
    let bad = good.clone().env("DOWNPAGE_TARGETS", "haproxy,trafik");
    fails_and_keeps(
        &good,
        &bad,
        &["DOWNPAGE_TARGETS", "\"trafik\"", "nearest is \"traefik\""],
    );
}

#[test]
fn missing_and_stray_target_variables_are_named() {
    let good = site("targets-vars", 100, 'x').env("DOWNPAGE_TARGETS", "caddy");
    let bad = good.clone().env("DOWNPAGE_TARGETS", "caddy,envoy-gateway");
    fails_and_keeps(
        &good,
        &bad,
        &["DOWNPAGE_ENVOY_GATEWAY is not set", "namespace/name"],
    );
    let bad = good
        .clone()
        .env("DOWNPAGE_TARGETS", "envoy-gateway")
        .env("DOWNPAGE_ENVOY_GATEWAY", "eg");
    fails_and_keeps(
        &good,
        &bad,
        &["DOWNPAGE_ENVOY_GATEWAY \"eg\"", "default/eg"],
    );
    let bad = good.clone().env("DOWNPAGE_HAPROXY_BUFSIZE", "32768");
    fails_and_keeps(
        &good,
        &bad,
        &[
            "DOWNPAGE_HAPROXY_BUFSIZE",
            "add haproxy to DOWNPAGE_TARGETS",
        ],
    );
    let bad = good
        .clone()
        .env("DOWNPAGE_TARGETS", "traefik")
        .env("DOWNPAGE_TRAEFIK_STATUS", "600");
    fails_and_keeps(&good, &bad, &["DOWNPAGE_TRAEFIK_STATUS \"600\"", "500-599"]);
    // Only a tarball: the configurations need to be told where the pages will be.
    let bad = good
        .clone()
        .unset("DOWNPAGE_OUTPUT_DIR")
        .env("DOWNPAGE_TARBALL", "x.tar.gz");
    fails_and_keeps(&good, &bad, &["DOWNPAGE_SERVE_ROOT"]);
}

#[test]
fn haproxy_budget_is_the_buffer_less_the_margin() {
    // 503.http = 143 bytes of headers (5-digit length) + the page; the limit is 16384 - 256.
    let fits = 16128 - 143;
    let good = site("targets-haproxy", fits, 'x').env("DOWNPAGE_TARGETS", "haproxy");
    good.ok();
    assert_eq!(
        fs::read(good.path("out/haproxy/503.http")).unwrap().len(),
        16128
    );
    let bad = with_503(&good, &"y".repeat(fits + 1));
    fails_and_keeps(
        &good,
        &bad,
        &[
            "page 503.html is 15,986 bytes",
            "16,129 bytes as HAProxy errorfile haproxy/503.http",
            "more than the 16,128 bytes",
            "DOWNPAGE_HAPROXY_BUFSIZE",
            "make the page smaller",
        ],
    );
    // A larger buffer lets it through.
    bad.clone().env("DOWNPAGE_HAPROXY_BUFSIZE", "32768").ok();
}

#[test]
fn envoy_gateway_budget_follows_the_version_and_counts_percent_twice() {
    let good = site("targets-eg-old", 4000, 'x')
        .env("DOWNPAGE_TARGETS", "envoy-gateway")
        .env("DOWNPAGE_ENVOY_GATEWAY", "default/eg")
        .env("DOWNPAGE_ENVOY_GATEWAY_VERSION", "1.6");
    // 4000 + 60 bytes, 4120 once % is written %%: over 1.6's 4096.
    let bad = with_503(&good, &format!("{}{}", "x".repeat(4000), "%".repeat(60)));
    fails_and_keeps(
        &good,
        &bad,
        &[
            "page 503.html is 4,060 bytes (4,120 with every % written %%)",
            "Envoy Gateway 1.6's 4,096-byte",
            "make the page smaller",
        ],
    );
    bad.clone()
        .env("DOWNPAGE_ENVOY_GATEWAY_VERSION", "1.9")
        .ok();
    // 1.7 and later: the ConfigMap's 1 MiB, escaped body included.
    let bad = with_503(
        &good,
        &format!(
            "{{% for i in range(end=5300) %}}{}{{% endfor %}}",
            "%".repeat(100)
        ),
    )
    .env("DOWNPAGE_ENVOY_GATEWAY_VERSION", "1.9");
    fails_and_keeps(
        &good,
        &bad,
        &[
            "page 503.html is 530,000 bytes (1,060,000",
            "1,048,576 bytes a ConfigMap holds",
        ],
    );
}

#[test]
fn cloudflare_inline_budget_is_10000_bytes_with_the_token() {
    let token = "::CLOUDFLARE_ERROR_500S_BOX::";
    // No <main> in this page: the token goes before </body>.
    let page = |n: usize| format!("<body>{}</body>", "x".repeat(n));
    let good = site("targets-cf", 10, 'x')
        .file("tpl/big.html", &page(9900))
        .env("DOWNPAGE_TARGETS", "cloudflare")
        .env("DOWNPAGE_CLOUDFLARE_INLINE", "true");
    good.ok();
    let cf = good.read("out/cloudflare/503.html");
    assert_eq!(cf.matches(token).count(), 1);
    assert!(cf.ends_with(&format!("\n<p>{token}</p>\n</body>")), "{cf}");
    assert!(
        good.read("out/cloudflare/502.html")
            .contains(&format!("<p>{token}</p>\n</main>"))
    );
    assert!(
        !good.read("out/503.html").contains(token),
        "the plain page got the token"
    );
    // 9950 + 13 bytes of tags + 37 of token: over 10,000 only with the token.
    let bad = with_503(&good, &page(9950));
    fails_and_keeps(
        &good,
        &bad,
        &[
            "page 503.html is 10,0",
            "with Cloudflare's token (cloudflare/503.html)",
            "more than the 10,000 bytes",
            "DOWNPAGE_CLOUDFLARE_INLINE",
        ],
    );
    bad.clone().env("DOWNPAGE_CLOUDFLARE_INLINE", "false").ok();
}

#[test]
fn targets_keep_the_tarball_reproducible() {
    let run = |name: &str| {
        let t = Test::new(name)
            .env("DOWNPAGE_TARBALL", "pages.tar.gz")
            .env("DOWNPAGE_SERVE_ROOT", "/srv/errors")
            .env("DOWNPAGE_GZIP", "true")
            .env("DOWNPAGE_INDEX", "true")
            .env(
                "DOWNPAGE_TARGETS",
                "nginx,envoy-gateway,haproxy,traefik,caddy,apache,cloudflare",
            )
            .env("DOWNPAGE_ENVOY_GATEWAY", "default/eg");
        t.ok();
        fs::read(t.path("pages.tar.gz")).unwrap()
    };
    let a = run("targets-tar-a");
    let b = run("targets-tar-b");
    assert!(a == b, "two runs gave different tarballs");
}

#[test]
fn ingress_nginx_target_is_the_ingress_nginx_layout_and_its_server() {
    let by_layout = Test::new("targets-layout")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_LAYOUT", "ingress-nginx");
    by_layout.ok();
    let by_target = Test::new("targets-ingress")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_SERVE_ROOT", "/www")
        .env("DOWNPAGE_TARGETS", "ingress-nginx");
    by_target.ok();
    let mut files = snapshot(&by_target);
    let conf = String::from_utf8(files.remove("ingress-nginx.conf").unwrap()).unwrap();
    assert_eq!(snapshot(&by_layout), files);
    assert!(conf.contains("    root \"/www\";\n"), "{conf}");
    assert!(
        conf.contains("error_page 502 /502.$downpage_ext;"),
        "{conf}"
    );
    assert!(
        conf.contains("if ($downpage_code = 502) { return 502; }"),
        "{conf}"
    );
    assert!(!conf.contains("$downpage_lang"), "{conf}");
    // Only a tarball: the server needs to be told where the pages are.
    Test::new("targets-ingress-tar")
        .env("DOWNPAGE_TARBALL", "p.tgz")
        .env("DOWNPAGE_TARGETS", "ingress-nginx")
        .fails(&[
            "names ingress-nginx but only a tarball is written",
            "DOWNPAGE_SERVE_ROOT",
        ]);
}

/// With `DOWNPAGE_LANGS` the ingress-nginx layout is in every language folder, and once
/// more at the top in the first language (what the stock image reads); the server picks
/// the folder with the same lines as the nginx snippet.
#[test]
fn ingress_nginx_layout_in_every_language() {
    let t = Test::new("targets-ingress-langs")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_LANGS", "en,de,ar")
        .env("DOWNPAGE_CODES", "404,503")
        .env("DOWNPAGE_TARGETS", "ingress-nginx,nginx");
    t.ok();
    let files = t.files("out");
    for stem in ["404", "503", "4xx", "5xx"] {
        for ext in ["html", "json"] {
            for folder in ["", "en/", "de/", "ar/"] {
                let f = format!("{folder}{stem}.{ext}");
                assert!(files.contains(&f), "{f} missing: {files:?}");
            }
        }
    }
    assert!(t.read("out/de/5xx.html").contains("lang=\"de\""));
    assert!(t.read("out/ar/4xx.html").contains("dir=\"rtl\""));
    assert!(t.read("out/4xx.html").contains("lang=\"en\""));
    let de: serde_json::Value = serde_json::from_str(&t.read("out/de/5xx.json")).unwrap();
    let en: serde_json::Value = serde_json::from_str(&t.read("out/5xx.json")).unwrap();
    assert_ne!(de["title"], en["title"], "the class page is not translated");
    let conf = t.read("out/ingress-nginx.conf");
    let lines = t.read("out/nginx-lang.conf");
    let choice: Vec<&str> = lines.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(choice.len() > 10, "{lines}");
    for line in &choice {
        assert!(
            conf.contains(&format!("    {line}\n")),
            "{line} not in {conf}"
        );
        assert!(
            t.read("out/nginx.conf").contains(line),
            "{line} not in nginx.conf"
        );
    }
    assert!(
        conf.contains("error_page 503 /$downpage_lang/503.$downpage_ext;"),
        "{conf}"
    );
    // The nginx snippet serves the language folders, not the top copies.
    assert!(
        t.read("out/nginx.conf")
            .contains("error_page 503 /$downpage_lang/503.html;")
    );
}

#[test]
fn nginx_lang_conf_only_with_languages_and_the_ingress_conf_is_reserved() {
    let t = Test::new("targets-nginx-one")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_TARGETS", "nginx");
    t.ok();
    assert!(!t.files("out").contains(&"nginx-lang.conf".to_string()));
    Test::new("targets-nginx-lang-clash")
        .file("tpl/p.html", "x")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_TEMPLATE_DIR", "tpl")
        .env(
            "DOWNPAGE_PAGES",
            "503.html=p.html,ingress-nginx.conf=p.html",
        )
        .env("DOWNPAGE_TARGETS", "ingress-nginx")
        .fails(&[
            "ingress-nginx.conf",
            "DOWNPAGE_TARGETS puts ingress-nginx.conf",
        ]);
}

#[test]
fn a_page_named_like_a_target_file_is_refused() {
    Test::new("targets-clash")
        .file("tpl/p.html", "x")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_TEMPLATE_DIR", "tpl")
        .env("DOWNPAGE_PAGES", "503.html=p.html,haproxy/x.html=p.html")
        .env("DOWNPAGE_TARGETS", "haproxy")
        .fails(&["haproxy/x.html", "DOWNPAGE_TARGETS puts haproxy/"]);
}

#[test]
fn check_mode_applies_the_budgets_and_writes_nothing() {
    let t = site("targets-check", 20_000, 'x')
        .env("DOWNPAGE_TARGETS", "haproxy")
        .arg("check");
    t.fails(&["page 503.html is 20,000 bytes", "HAProxy errorfile"]);
    t.clone().env("DOWNPAGE_HAPROXY_BUFSIZE", "32768").ok();
    assert!(t.files("out").is_empty(), "check wrote files");
}

#[test]
fn serve_root_wins_over_nginx_root() {
    let t = Test::new("targets-roots")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_NGINX_CONF", "snippet.conf")
        .env("DOWNPAGE_NGINX_ROOT", "/old/root")
        .env("DOWNPAGE_SERVE_ROOT", "/srv/errors")
        .env("DOWNPAGE_TARGETS", "nginx,caddy");
    t.ok();
    assert!(t.read("snippet.conf").contains("root \"/srv/errors\";"));
    assert_eq!(t.read("snippet.conf"), t.read("out/nginx.conf"));
    // Without DOWNPAGE_SERVE_ROOT, DOWNPAGE_NGINX_ROOT is where the pages are.
    let t = t.unset("DOWNPAGE_SERVE_ROOT");
    t.ok();
    assert!(t.read("out/Caddyfile").contains("root * /old/root\n"));
}

#[test]
fn traefik_copies_the_sites_own_class_page() {
    let t = Test::new("targets-traefik-own")
        .file("tpl/p.html", "<main>{{ dest }}</main>")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_TEMPLATE_DIR", "tpl")
        .env("DOWNPAGE_PAGES", "503.html=p.html,5xx.html=p.html")
        .env("DOWNPAGE_TARGETS", "traefik")
        .env("DOWNPAGE_TRAEFIK_STATUS", "502-504");
    t.ok();
    assert_eq!(t.read("out/5xx.html"), "<main>5xx.html</main>");
    assert_eq!(t.read("out/502.html"), "<main>5xx.html</main>");
    assert_eq!(t.read("out/503.html"), "<main>503.html</main>");
    assert_eq!(t.read("out/504.html"), "<main>5xx.html</main>");
    // Without one, the built-in class page is planned and copied.
    let t = Test::new("targets-traefik-builtin")
        .file("tpl/p.html", "x")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_TEMPLATE_DIR", "tpl")
        .env("DOWNPAGE_PAGES", "503.html=p.html")
        .env("DOWNPAGE_TARGETS", "traefik")
        .env("DOWNPAGE_TRAEFIK_STATUS", "502-504");
    t.ok();
    assert!(t.read("out/5xx.html").contains("<main>"));
    assert_eq!(t.read("out/502.html"), t.read("out/5xx.html"));
    assert_eq!(t.read("out/503.html"), "x");
}
