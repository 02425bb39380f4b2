//! End-to-end tests of `DOWNPAGE_SYNTAX=django|jinja2` through the real binary: the pipeline
//! side (context, dispatch, stub warnings, settings). Byte equality with the real engines is
//! checked by tests/checks/dialects-*.sh.

use crate::support::Test;

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

#[test]
fn stubs_are_warned_once_per_run_with_the_first_template_and_line() {
    let t = django_site("dj-stubs")
        .file(
            "templates/base.html",
            "{% load static wagtailcore_tags %}\n<a href=\"{% url 'home' %}\">{% slugurl 'x' %}</a>{% block content %}{% endblock %}",
        )
        .file(
            "templates/a.html",
            "{% extends \"base.html\" %}{% block content %}{{ x|markdown }}{% url 'nowhere' %}{% endblock %}",
        )
        .file(
            "templates/b.html",
            "{% extends \"base.html\" %}{% block content %}\n{% slugurl 'y' %}{% endblock %}",
        )
        .env("DOWNPAGE_URLS", r#"{"home": "/"}"#)
        .env("DOWNPAGE_PAGES", "a.html=a.html,b.html=b.html");
    let run = t.ok();
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("downpage: warning:"))
        .collect();
    assert_eq!(
        warnings,
        vec![
            "downpage: warning: a.html line 1: unknown filter \"markdown\" stubbed (returns its input): see docs/dialects.md; DOWNPAGE_STRICT=true makes this an error",
            "downpage: warning: base.html line 1: unknown library \"wagtailcore_tags\" stubbed (loads nothing): see docs/dialects.md; DOWNPAGE_STRICT=true makes this an error",
            "downpage: warning: base.html line 2: unknown tag \"slugurl\" stubbed (renders its body or nothing): see docs/dialects.md; DOWNPAGE_STRICT=true makes this an error",
            "downpage: warning: a.html line 1: URL name \"nowhere\" is not in DOWNPAGE_URLS, rendered as #: add it to DOWNPAGE_URLS",
        ],
        "{}",
        run.stderr
    );
    assert_eq!(t.read("out/a.html"), "\n<a href=\"/\"></a>#");
    // `downpage check` reports them too, as JSON lines when asked.
    let run = t
        .clone()
        .arg("check")
        .env("DOWNPAGE_LOG_FORMAT", "json")
        .ok();
    let stub_lines: Vec<serde_json::Value> = run
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|j| j["event"] == "stub")
        .collect();
    assert_eq!(stub_lines.len(), 4, "{}", run.stderr);
    assert_eq!(stub_lines[2]["kind"], "tag");
    assert_eq!(stub_lines[2]["name"], "slugurl");
    assert_eq!(stub_lines[2]["template"], "base.html");
    assert_eq!(stub_lines[2]["line"], 2);
    assert_eq!(stub_lines[2]["level"], "warn");
}

#[test]
fn strict_mode_makes_the_first_stub_an_error() {
    let t = django_site("dj-strict")
        .file(
            "templates/base.html",
            "ok\n{% load blog_tags %}{% latest_posts %}",
        )
        .file("templates/e.html", "{% extends \"base.html\" %}")
        .env("DOWNPAGE_STRICT", "true")
        .env("DOWNPAGE_PAGES", "e.html=e.html");
    t.fails(&[
        "page e.html (DOWNPAGE_PAGES entry 1): base.html line 2: unknown library \"blog_tags\" (DOWNPAGE_STRICT=true;",
    ]);
    django_site("dj-strict-url")
        .file("templates/e.html", "{% url 'home' %}\n{% url 'gone' %}")
        .env("DOWNPAGE_STRICT", "true")
        .env("DOWNPAGE_URLS", r#"{"home": "/"}"#)
        .env("DOWNPAGE_PAGES", "e.html=e.html")
        .fails(&["e.html line 2: URL name \"gone\" is not in DOWNPAGE_URLS (DOWNPAGE_STRICT=true; add it to DOWNPAGE_URLS)"]);
}

#[test]
fn syntax_errors_are_errors_even_when_lenient() {
    django_site("dj-syntax")
        .file("templates/e.html", "a\n{% if x %}\nno end")
        .env("DOWNPAGE_PAGES", "e.html=e.html")
        .fails(&[
            "page e.html (DOWNPAGE_PAGES entry 1): e.html line 2: {% if %} is not closed: add {% endif %}",
        ]);
    django_site("dj-syntax2")
        .file("templates/e.html", "{{ x|add }}")
        .env("DOWNPAGE_PAGES", "e.html=e.html")
        .fails(&["e.html line 1: add requires 2 arguments"]);
    django_site("dj-stray")
        .file("templates/e.html", "a\n\n{% endif %}")
        .env("DOWNPAGE_PAGES", "e.html=e.html")
        .fails(&["e.html line 3: invalid block tag 'endif'"]);
}

#[test]
fn templates_that_include_or_extend_themselves_stop_cleanly() {
    django_site("dj-self-include")
        .file("templates/e.html", "x{% include \"e.html\" %}")
        .env("DOWNPAGE_PAGES", "e.html=e.html")
        .fails(&["nest deeper than"]);
    django_site("dj-self-extends")
        .file("templates/e.html", "{% extends \"f.html\" %}")
        .file("templates/f.html", "{% extends \"e.html\" %}")
        .env("DOWNPAGE_PAGES", "e.html=e.html")
        .fails(&["nest deeper than"]);
    let deep = "{% if a %}".repeat(5000);
    django_site("dj-deep")
        .file("templates/e.html", &deep)
        .env("DOWNPAGE_PAGES", "e.html=e.html")
        .fails(&["e.html line 1: block tags nest deeper than"]);
}

#[test]
fn check_renders_django_templates() {
    let t = django_site("dj-check")
        .file("templates/e.html", "{% load static %}{% static 'a.css' %}")
        .env("DOWNPAGE_PAGES", "e.html=e.html")
        .arg("check");
    let run = t.ok();
    assert!(run.stderr.contains("check ok: 1 page"), "{}", run.stderr);
}

#[test]
fn deep_but_legal_nesting_renders_on_the_render_threads() {
    // 40 pages (rendered on several threads, 2 MiB stacks each), each through a chain of
    // includes whose templates nest tags deeply: an error or pages, never a crash.
    let mut t = django_site("dj-deep-threads");
    let nested = |inner: &str| {
        format!(
            "{}{inner}{}",
            "{% if a %}".repeat(199),
            "{% endif %}".repeat(199)
        )
    };
    for i in 0..60 {
        t = t.file(
            &format!("templates/i{i}.html"),
            &nested(&format!("{{% include \"i{}.html\" %}}", i + 1)),
        );
    }
    t = t.file("templates/i60.html", "end");
    let pages: Vec<String> = (0..40).map(|i| format!("p{i}.html=i58.html")).collect();
    let run = t
        .env("DOWNPAGE_PAGES", &pages.join(","))
        .env("DOWNPAGE_CONTEXT", r#"{"a": true}"#)
        .run();
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("nest deeper than 256 levels"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn the_theme_namespace_stays_tera_whatever_the_syntax() {
    // A site's downpage/base.html restyles the built-in pages (Tera); its Django pages beside
    // it render with Django.
    let t = django_site("dj-theme")
        .file(
            "templates/downpage/base.html",
            "MINE {% block content %}{% endblock content %} {{ t.lang | default(value=\"?\") }}",
        )
        .file("templates/e.html", "{% load static %}{{ code }}")
        .env("DOWNPAGE_PAGES", "502.html=e.html")
        .env("DOWNPAGE_CODES", "503");
    t.ok();
    assert!(
        t.read("out/503.html").starts_with("MINE "),
        "{}",
        t.read("out/503.html")
    );
    assert_eq!(t.read("out/502.html"), "502");
}
