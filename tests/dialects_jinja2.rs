//! End-to-end tests of `DOWNPAGE_SYNTAX=jinja2` through the real binary: a Flask-style site,
//! stub warnings, strict mode and template errors. Byte equality with the real Jinja2 is
//! checked by tests/checks/dialects-jinja2.sh.

use crate::support::Test;

fn flask_site(name: &str) -> Test {
    Test::new(name)
        .env("DOWNPAGE_SYNTAX", "jinja2")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .file(
            "templates/base.html",
            "<link href=\"{{ url_for('static', filename='css/app.css', v=2) }}\">\n\
             <a href=\"{{ url_for('main.index') }}\">{{ _('Home') }}</a>\n\
             {% if current_user.is_authenticated %}{{ current_user.name }}{% endif %}\n\
             <main>{% block content %}{% endblock %}</main>\n",
        )
        .file(
            "templates/errors/500.html",
            "{% extends \"base.html\" %}\n{% block content %}<h1>{{ code }} {{ title }}</h1>{{ csrf_token() }}{{ message|markdown }}{% endblock %}\n",
        )
}

#[test]
fn a_flask_layout_renders_with_url_for_gettext_and_the_status_words() {
    let t = flask_site("j2-flask")
        .env("DOWNPAGE_URLS", r#"{"main.index": "/"}"#)
        .env("DOWNPAGE_PAGES", "500.html=errors/500.html");
    let r = t.ok();
    assert_eq!(
        t.read("out/500.html"),
        "<link href=\"/static/css/app.css?v=2\">\n<a href=\"/\">Home</a>\n\n<main><h1>500 Internal Server Error</h1>Something went wrong on our side.</main>"
    );
    for stub in [
        "unknown function \"csrf_token\"",
        "unknown filter \"markdown\"",
        "errors/500.html line 2",
    ] {
        assert!(
            r.stderr.contains(stub),
            "warnings lack {stub:?}: {}",
            r.stderr
        );
    }
    assert!(!r.stderr.contains("main.index"), "{}", r.stderr);
}

#[test]
fn a_missing_url_name_is_a_warning_then_a_strict_error() {
    let r = flask_site("j2-url")
        .env("DOWNPAGE_PAGES", "500.html=errors/500.html")
        .ok();
    assert!(r.stderr.contains("\"main.index\""), "{}", r.stderr);
    flask_site("j2-strict")
        .env("DOWNPAGE_URLS", r#"{"main.index": "/"}"#)
        .env("DOWNPAGE_STRICT", "true")
        .env("DOWNPAGE_PAGES", "500.html=errors/500.html")
        .fails(&[
            "errors/500.html line 2",
            "unknown function \"csrf_token\"",
            "DOWNPAGE_STRICT=true",
        ]);
}

#[test]
fn syntax_errors_and_endless_includes_are_one_line_errors() {
    flask_site("j2-syntax")
        .file("templates/bad.html", "ok\n{% for x in %}{% endfor %}")
        .env("DOWNPAGE_PAGES", "oops.html=bad.html")
        .fails(&["bad.html line 2", "oops.html"]);
    flask_site("j2-loop")
        .file("templates/loop.html", "{% include 'loop.html' %}")
        .env("DOWNPAGE_PAGES", "oops.html=loop.html")
        .fails(&["loop.html line 1", "include"]);
}
