//! End-to-end tests of `DOWNPAGE_SYNTAX=django|jinja2` through the real binary: the pipeline
//! side (context, dispatch, stub warnings, settings). Byte equality with the real engines is
//! checked by tests/checks/dialects-*.sh.

mod support;

use support::Test;

fn django_site(name: &str) -> Test {
    Test::new(name)
        .env("DOWNPAGE_SYNTAX", "django")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
}

#[test]
fn django_renders_load_static_with_the_restricted_context() {
    let t = django_site("dj-static")
        .file(
            "templates/e.html",
            "{% load static %}<link href=\"{% static 'css/site.css' %}\">[{{ site_name }}|{{ code }}|{{ title }}|{{ lang }}|{{ theme }}|{{ dest }}|{{ hint }}|{{ own }}]\n",
        )
        .env("DOWNPAGE_VAR_SITE_NAME", "A&B")
        .env("DOWNPAGE_STATIC_URL", "/assets/")
        .env("DOWNPAGE_PAGES", r#"[["502.html", "e.html", {"own": "<x>"}]]"#);
    t.ok();
    assert_eq!(
        t.read("out/502.html"),
        "<link href=\"/assets/css/site.css\">[A&amp;B|502|Bad Gateway|||||&lt;x&gt;]\n"
    );
}

#[test]
fn a_destination_that_is_no_status_code_gets_no_catalog_words() {
    let t = django_site("dj-nocode")
        .file("templates/e.html", "[{{ code }}|{{ title }}|{{ message }}]")
        .env("DOWNPAGE_PAGES", "oops.html=e.html");
    t.ok();
    assert_eq!(t.read("out/oops.html"), "[||]");
}

#[test]
fn builtin_pages_still_render_with_tera() {
    let t = django_site("dj-builtin")
        .file("templates/e.html", "{{ code }}")
        .env("DOWNPAGE_PAGES", "x.html=e.html")
        .env("DOWNPAGE_CODES", "503");
    t.ok();
    assert!(t.read("out/503.html").contains("Service Unavailable"));
}

#[test]
fn settings_errors_name_the_variable() {
    Test::new("dj-bad-syntax")
        .env("DOWNPAGE_SYNTAX", "djang")
        .fails(&["DOWNPAGE_SYNTAX \"djang\"", "\"django\""]);
    Test::new("dj-bad-urls")
        .env("DOWNPAGE_URLS", "{\"home\": /}")
        .fails(&["DOWNPAGE_URLS is not valid JSON (line 1 column"]);
    Test::new("dj-bad-strict")
        .env("DOWNPAGE_STRICT", "maybe")
        .fails(&["DOWNPAGE_STRICT \"maybe\""]);
}

#[test]
fn a_missing_template_is_named_with_near_matches() {
    django_site("dj-missing")
        .file("templates/errors/500.html", "x")
        .env("DOWNPAGE_PAGES", "500.html=errors/50.html")
        .fails(&["template \"errors/50.html\"", "errors/500.html"]);
}
