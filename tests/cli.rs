//! End-to-end tests of the core: the real binary, a cleared environment, real folders.

use std::fs;
use std::os::unix::fs::symlink;

use crate::support::{Test, mode};

const BASE: &str = "<!DOCTYPE html><html><head><title>{% block title %}{{ title }}{% endblock %}</title></head>\
<body>{% include \"partials/header.html\" %}<main>{% block content %}{% endblock %}</main></body></html>\n";
const HEADER: &str = "<header>{{ site_name | default(value=\"Site\") }}</header>";
const P502: &str = "{% extends \"base.html\" %}{% block content %}<h1>{{ code }} {{ title }}</h1><p>{{ message }}</p>{% endblock %}";
const P503: &str = "{% extends \"base.html\" %}{% block content %}<h1>{{ name | default(value=title) }}</h1>{% endblock %}";

/// The seed's templates: a base with an include, and pages that extend it.
fn site(name: &str) -> Test {
    Test::new(name)
        .file("templates/base.html", BASE)
        .file("templates/partials/header.html", HEADER)
        .file("templates/myapp/downpage_502.html", P502)
        .file("templates/myapp/downpage_503.html", P503)
        .file("templates/myapp/downpage_504.html", P502)
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
}

const SEED_JSON: &str = r#"[["502.html", "myapp/downpage_502.html"],
 ["503.html", "myapp/downpage_503.html", {"name": "Service Unavailable"}],
 ["errors/504.html", "myapp/downpage_504.html"]]"#;

#[test]
fn zero_config_writes_the_builtin_pages_into_pages() {
    let t = Test::new("zero").umask("077");
    let r = t.ok();
    assert_eq!(
        t.files("pages"),
        ["500.html", "502.html", "503.html", "504.html"]
    );
    let page = t.read("pages/502.html");
    assert!(
        page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{page}"
    );
    assert!(page.contains("<title>502 · Bad Gateway</title>"));
    assert!(page.contains("<h1>Bad Gateway</h1>"));
    assert!(page.contains("name=\"viewport\""));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no external requests"
    );
    assert!(r.stderr.contains("wrote 4 pages"), "{}", r.stderr);
    assert_eq!(
        mode(&t.path("pages")),
        0o755,
        "folder mode despite umask 077"
    );
    assert_eq!(
        mode(&t.path("pages/502.html")),
        0o644,
        "file mode despite umask 077"
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn codes_pick_other_builtin_pages() {
    let t = Test::new("codes").env("DOWNPAGE_CODES", "404, 429");
    t.ok();
    assert_eq!(t.files("pages"), ["404.html", "429.html"]);
    assert!(t.read("pages/429.html").contains("Too Many Requests"));
}

#[test]
fn seed_example_json_with_extends_include_and_context() {
    let t = site("seed")
        .env("DOWNPAGE_PAGES", SEED_JSON)
        .env("DOWNPAGE_VAR_SITE_NAME", "Example & Co");
    t.ok();
    assert_eq!(t.files("out"), ["502.html", "503.html", "errors/504.html"]);
    assert_eq!(
        t.read("out/502.html"),
        "<!DOCTYPE html><html><head><title>Bad Gateway</title></head><body><header>Example &amp; Co</header>\
<main><h1>502 Bad Gateway</h1><p>Our server could not get a proper answer from the application behind it.</p></main></body></html>\n"
    );
    assert!(
        t.read("out/503.html")
            .contains("<h1>Service Unavailable</h1>")
    );
    assert!(
        t.read("out/errors/504.html")
            .contains("<h1>504 Gateway Timeout</h1>")
    );
    assert_eq!(mode(&t.path("out/errors")), 0o755);
}

#[test]
fn compact_form_and_object_form_give_the_same_pages() {
    let a = site("compact").env(
        "DOWNPAGE_PAGES",
        "502.html=myapp/downpage_502.html,\nerrors/504.html=myapp/downpage_504.html",
    );
    a.ok();
    let b = site("objects").env(
        "DOWNPAGE_PAGES",
        r#"[{"dest": "502.html", "template": "myapp/downpage_502.html"}, {"dest": "errors/504.html", "template": "myapp/downpage_504.html", "context": {}}]"#,
    );
    b.ok();
    assert_eq!(a.files("out"), ["502.html", "errors/504.html"]);
    assert_eq!(a.files("out"), b.files("out"));
    assert_eq!(a.read("out/502.html"), b.read("out/502.html"));
}

#[test]
fn pages_file_holds_the_list() {
    let t = site("pagesfile")
        .file(
            "pages.txt",
            "# error pages\n502.html=myapp/downpage_502.html\n",
        )
        .env("DOWNPAGE_PAGES_FILE", "pages.txt");
    t.ok();
    assert_eq!(t.files("out"), ["502.html"]);
}

#[test]
fn template_folders_are_searched_in_order_and_across() {
    let t = Test::new("dirs")
        .file("first/base.html", "FIRST[{% block content %}{% endblock %}]")
        .file("second/base.html", "SECOND[{% block content %}{% endblock %}]")
        .file("second/page.html", "{% extends \"base.html\" %}{% block content %}{% include \"part.html\" %}{% endblock %}")
        .file("first/part.html", "part-from-first")
        .env("DOWNPAGE_TEMPLATE_DIR", "first:second")
        .env("DOWNPAGE_PAGES", "x.html=page.html");
    t.ok();
    assert_eq!(t.read("pages/x.html"), "FIRST[part-from-first]");
}

#[test]
fn site_base_restyles_every_builtin_page_and_one_code_can_be_replaced() {
    let t = Test::new("restyle")
        .file(
            "t/downpage/base.html",
            "<mine>{% block content %}{% endblock %}</mine>",
        )
        .file("t/downpage/503.html", "maintenance {{ title }}")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env("DOWNPAGE_CODES", "502,503");
    t.ok();
    let p502 = t.read("pages/502.html");
    assert!(
        p502.starts_with("<mine>") && p502.contains("Bad Gateway"),
        "{p502}"
    );
    assert_eq!(t.read("pages/503.html"), "maintenance Service Unavailable");
}

#[test]
fn page_context_wins_over_vars_over_global_context() {
    let t = Test::new("precedence")
        .file("t/p.html", "{{ a }} {{ b }} {{ c }} {{ site_name }}")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env(
            "DOWNPAGE_CONTEXT",
            r#"{"a": "global", "b": "global", "c": "global"}"#,
        )
        .env("DOWNPAGE_VAR_B", "var")
        .env("DOWNPAGE_VAR_SITE_NAME", "<b>Shop</b>")
        .env(
            "DOWNPAGE_PAGES",
            r#"[["one.html", "p.html"], ["two.html", "p.html", {"c": "page"}]]"#,
        );
    t.ok();
    assert_eq!(
        t.read("pages/one.html"),
        "global var global &lt;b&gt;Shop&lt;&#x2F;b&gt;"
    );
    assert_eq!(
        t.read("pages/two.html"),
        "global var page &lt;b&gt;Shop&lt;&#x2F;b&gt;"
    );
}

#[test]
fn pages_and_codes_together_build_both() {
    let t = site("both")
        .env("DOWNPAGE_PAGES", "custom/502.html=myapp/downpage_502.html")
        .env("DOWNPAGE_CODES", "503");
    t.ok();
    assert_eq!(t.files("out"), ["503.html", "custom/502.html"]);
}

#[test]
fn check_renders_everything_and_writes_nothing() {
    let t = site("check").env("DOWNPAGE_PAGES", SEED_JSON).arg("check");
    let r = t.ok();
    assert!(r.stderr.contains("check ok: 3 pages"), "{}", r.stderr);
    assert!(!t.path("out").exists());
    let bad = site("check-bad")
        .env("DOWNPAGE_PAGES", "502.html=nope.html")
        .arg("check");
    bad.fails(&["template \"nope.html\""]);
}

#[test]
fn unchanged_pages_keep_their_mtime() {
    let t = Test::new("unchanged");
    t.ok();
    let before = fs::metadata(t.path("pages/502.html"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let r = t.ok();
    assert!(r.stderr.contains("0 changed, 4 unchanged"), "{}", r.stderr);
    assert_eq!(
        fs::metadata(t.path("pages/502.html"))
            .unwrap()
            .modified()
            .unwrap(),
        before
    );
}

#[test]
fn help_version_and_arguments() {
    let help = Test::new("help").arg("--help").ok();
    for v in downpage::internal::vars::VARS {
        assert!(help.stdout.contains(v.name), "--help lacks {}", v.name);
    }
    let version = Test::new("version").arg("--version").ok();
    assert_eq!(
        version.stdout.trim(),
        format!("downpage {}", env!("CARGO_PKG_VERSION"))
    );
    Test::new("badarg")
        .arg("--output")
        .fails(&["unknown argument \"--output\"", "DOWNPAGE_"]);
}

#[test]
fn docs_variable_table_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/configuration.md");
    let readme = fs::read_to_string(path).unwrap();
    let start = readme
        .find("<!-- vars:start")
        .expect("docs/configuration.md has a <!-- vars:start --> marker");
    let start = start + readme[start..].find("-->\n").unwrap() + 4;
    let end = readme
        .find("<!-- vars:end -->")
        .expect("README has a <!-- vars:end --> marker");
    let table = downpage::internal::vars::markdown_table();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        fs::write(
            path,
            format!("{}{table}{}", &readme[..start], &readme[end..]),
        )
        .unwrap();
        return;
    }
    assert_eq!(
        &readme[start..end],
        table,
        "run UPDATE_DOCS=1 cargo test --test integration docs_variable_table"
    );
}

// ---- bad input: a clear one-line error, non-zero exit, and the earlier pages intact ----

/// A site with one good run done; returns it and the bytes of its page.
fn after_good_run(name: &str) -> (Test, String) {
    let t = site(name).env(
        "DOWNPAGE_PAGES",
        "502.html=myapp/downpage_502.html,sub/503.html=myapp/downpage_503.html",
    );
    t.ok();
    let page = t.read("out/502.html");
    (t, page)
}

fn still_intact(t: &Test, page: &str) {
    assert_eq!(
        t.read("out/502.html"),
        page,
        "the earlier page must survive byte for byte"
    );
    assert_eq!(t.files("out"), ["502.html", "sub/503.html"]);
}

#[test]
fn unknown_variable_is_named_with_the_nearest_known_one() {
    let (t, page) = after_good_run("unknown");
    let t = t.env("DOWNPAGE_TEMPLATES_DIR", "x");
    t.fails(&[
        "unknown variable DOWNPAGE_TEMPLATES_DIR",
        "did you mean \"DOWNPAGE_TEMPLATE_DIR\"",
    ]);
    still_intact(&t, &page);
}

#[test]
fn kubernetes_service_links_never_break_a_run() {
    let (t, page) = after_good_run("links");
    let t = t
        .env("DOWNPAGE_SERVICE_HOST", "10.0.0.7")
        .env("DOWNPAGE_SERVICE_PORT", "80")
        .env("DOWNPAGE_SERVICE_PORT_HTTP", "80")
        .env("DOWNPAGE_PORT", "tcp://10.0.0.7:80")
        .env("DOWNPAGE_PORT_80_TCP", "tcp://10.0.0.7:80")
        .env("DOWNPAGE_PORT_80_TCP_PROTO", "tcp")
        .env("DOWNPAGE_PORT_80_TCP_PORT", "80")
        .env("DOWNPAGE_PORT_80_TCP_ADDR", "10.0.0.7");
    t.ok();
    still_intact(&t, &page);
}

#[test]
fn malformed_compact_entry_names_entry_and_form() {
    let (t, page) = after_good_run("compact-bad");
    let t = t.env(
        "DOWNPAGE_PAGES",
        "502.html=myapp/downpage_502.html,503.html",
    );
    t.fails(&["DOWNPAGE_PAGES entry 2 \"503.html\" has no template: write DEST=TEMPLATE"]);
    still_intact(&t, &page);
}

#[test]
fn malformed_json_entry_names_entry_and_form() {
    let (t, page) = after_good_run("json-entry-bad");
    let t = t.env(
        "DOWNPAGE_PAGES",
        r#"[["502.html", "myapp/downpage_502.html"], ["503.html"]]"#,
    );
    t.fails(&["DOWNPAGE_PAGES entry 2 [\"503.html\"]: an array of 1 items: write [\"502.html\""]);
    still_intact(&t, &page);
}

#[test]
fn invalid_json_gives_line_and_column() {
    let (t, page) = after_good_run("json-bad");
    let t2 = t.env(
        "DOWNPAGE_PAGES",
        "[\n  [\"502.html\", \"a.html\"],\n  [\"503.html\" \"b.html\"]\n]",
    );
    t2.fails(&["DOWNPAGE_PAGES is not valid JSON", "line 3 column"]);
    still_intact(&t2, &page);
    let t3 = t2
        .env("DOWNPAGE_PAGES", "502.html=myapp/downpage_502.html")
        .env("DOWNPAGE_CONTEXT", "{\"a\": 1,}");
    t3.fails(&["DOWNPAGE_CONTEXT is not valid JSON", "line 1 column"]);
    still_intact(&t3, &page);
}

#[test]
fn missing_template_names_page_folders_and_near_matches() {
    let (t, page) = after_good_run("missing");
    let t = t.env(
        "DOWNPAGE_PAGES",
        "502.html=myapp/downpage_502.html,503.html=myapp/downpage_530.html",
    );
    t.fails(&[
        "DOWNPAGE_PAGES entry 2: template \"myapp/downpage_530.html\" for page 503.html not found",
        "searched templates, the built-in templates",
        "; did you mean ",
        "\"myapp/downpage_503.html\"",
    ]);
    still_intact(&t, &page);
}

#[test]
fn template_syntax_error_names_template_and_line() {
    let (t, page) = after_good_run("syntax");
    let t = t.file(
        "templates/myapp/downpage_503.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{{ name | }}\n{% endblock %}",
    );
    t.fails(&["myapp/downpage_503.html", "line 3 column"]);
    still_intact(&t, &page);
}

#[test]
fn undefined_variable_names_page_template_and_line() {
    let (t, page) = after_good_run("undefined");
    let t = t.file("templates/myapp/downpage_503.html", "{% extends \"base.html\" %}\n{% block content %}\n<p>{{ contact.email }}</p>\n{% endblock %}");
    t.fails(&[
        "page sub/503.html (DOWNPAGE_PAGES entry 2)",
        "myapp/downpage_503.html",
        "Variable `contact.email` not found",
        "line 3",
    ]);
    still_intact(&t, &page);
}

#[test]
fn a_failing_later_page_replaces_nothing() {
    let (t, page) = after_good_run("allornothing");
    // The first page would change, the second fails to render: neither may be replaced.
    let t = t
        .env("DOWNPAGE_VAR_SITE_NAME", "Changed")
        .file("templates/myapp/downpage_503.html", "{{ missing_value }}");
    t.fails(&["page sub/503.html", "missing_value"]);
    still_intact(&t, &page);
}

#[test]
fn pages_and_pages_file_together_are_refused() {
    let (t, page) = after_good_run("both-lists");
    let t = t
        .file("list.txt", "502.html=myapp/downpage_502.html")
        .env("DOWNPAGE_PAGES_FILE", "list.txt");
    t.fails(&["DOWNPAGE_PAGES and DOWNPAGE_PAGES_FILE are both set"]);
    still_intact(&t, &page);
}

#[test]
fn missing_pages_file_is_named() {
    let (t, page) = after_good_run("no-list");
    let t = t
        .unset("DOWNPAGE_PAGES")
        .env("DOWNPAGE_PAGES_FILE", "nope.txt");
    t.fails(&["reading DOWNPAGE_PAGES_FILE nope.txt", "No such file"]);
    still_intact(&t, &page);
}

#[test]
fn clash_between_pages_and_codes_names_both() {
    let (t, page) = after_good_run("clash");
    let t = t.env("DOWNPAGE_CODES", "502");
    t.fails(&["DOWNPAGE_PAGES entry 1 and DOWNPAGE_CODES 502 both write 502.html"]);
    still_intact(&t, &page);
}

#[test]
fn escaping_destinations_are_refused() {
    let (t, page) = after_good_run("escape");
    for dest in ["../evil.html", "/tmp/evil.html", "a/../../evil.html"] {
        let t2 =
            site("escape-each").env("DOWNPAGE_PAGES", &format!("{dest}=myapp/downpage_502.html"));
        t2.fails(&["DOWNPAGE_PAGES entry 1: destination", dest]);
        assert!(
            !t2.path("out").exists(),
            "nothing may be written for {dest}"
        );
    }
    let empty = t.env("DOWNPAGE_PAGES", r#"[["", "myapp/downpage_502.html"]]"#);
    empty.fails(&["destination is empty"]);
    still_intact(&empty, &page);
}

#[test]
fn symlinks_in_the_output_folder_are_never_followed() {
    let (t, page) = after_good_run("symlink");
    let outside = t.path("outside");
    fs::create_dir_all(&outside).unwrap();
    symlink(&outside, t.path("out/escape")).unwrap();
    let t = t.env(
        "DOWNPAGE_PAGES",
        "502.html=myapp/downpage_502.html,escape/502.html=myapp/downpage_502.html",
    );
    t.fails(&["escape is a symbolic link", "never writes through links"]);
    assert_eq!(
        fs::read_dir(&outside).unwrap().count(),
        0,
        "nothing written outside"
    );
    assert_eq!(t.read("out/502.html"), page);
    symlink(t.path("outside/file.html"), t.path("out/link.html")).unwrap();
    let t = t.env(
        "DOWNPAGE_PAGES",
        r#"[["link.html", "myapp/downpage_502.html", {"code": 502}]]"#,
    );
    t.fails(&["link.html is a symbolic link"]);
    assert!(!t.path("outside/file.html").exists());
}

#[test]
fn a_file_where_a_folder_is_needed_is_named() {
    let (t, page) = after_good_run("file-as-folder");
    let t = t.file("out/blocker", "x").env(
        "DOWNPAGE_PAGES",
        "502.html=myapp/downpage_502.html,blocker/502.html=myapp/downpage_502.html",
    );
    t.fails(&["out/blocker is a file where a folder is needed"]);
    assert_eq!(t.read("out/502.html"), page);
    let t2 = Test::new("output-is-file")
        .file("out", "x")
        .env("DOWNPAGE_OUTPUT_DIR", "out");
    t2.fails(&["output folder out is a file, not a folder: set DOWNPAGE_OUTPUT_DIR to a folder"]);
}

#[test]
fn an_unwritable_output_folder_is_named_with_the_fix() {
    let (t, page) = after_good_run("readonly");
    std::process::Command::new("chmod")
        .args(["-R", "a-w,a+rX"])
        .arg(t.path("out"))
        .status()
        .unwrap();
    let t = t.run_as_nobody().env("DOWNPAGE_VAR_SITE_NAME", "Changed");
    t.fails(&[
        "writing page 502.html to out",
        "make the output folder writable",
    ]);
    still_intact(&t, &page);
}

#[test]
fn missing_template_folder_is_named() {
    let t = Test::new("nodir").env("DOWNPAGE_TEMPLATE_DIR", "nowhere");
    t.fails(&["DOWNPAGE_TEMPLATE_DIR folder nowhere cannot be read"]);
    assert!(!t.path("pages").exists());
}

#[test]
fn leftover_temporary_files_are_cleaned_by_the_next_run() {
    let (t, page) = after_good_run("leftovers");
    fs::write(t.path("out/.downpage-tmp-99999-1"), "half a pa").unwrap();
    fs::write(t.path("out/sub/.downpage-tmp-99999-2"), "").unwrap();
    t.ok();
    still_intact(&t, &page);
}

#[test]
fn formats_add_json_and_text_variants() {
    let t = Test::new("formats")
        .env("DOWNPAGE_CODES", "502,429")
        .env("DOWNPAGE_FORMATS", "html,json,txt");
    t.ok();
    assert_eq!(
        t.files("pages"),
        [
            "429.html", "429.json", "429.txt", "502.html", "502.json", "502.txt"
        ]
    );
    let json: serde_json::Value = serde_json::from_str(&t.read("pages/502.json")).unwrap();
    assert_eq!(json["status"], 502);
    assert_eq!(json["title"], "Bad Gateway");
    assert!(json["message"].as_str().unwrap().contains("proper answer"));
    let txt = t.read("pages/429.txt");
    assert!(txt.starts_with("429 Too Many Requests\n\n"), "{txt}");
    assert!(!txt.contains('<'));
}

#[test]
fn macros_import_across_folders() {
    let t = Test::new("macros")
        .file(
            "a/page.html",
            "{% import \"macros.html\" as m %}{{ m::badge(text=title) }}",
        )
        .file(
            "b/macros.html",
            "{% macro badge(text) %}<b>{{ text }}</b>{% endmacro badge %}",
        )
        .env("DOWNPAGE_TEMPLATE_DIR", "a:b")
        .env("DOWNPAGE_PAGES", "503.html=page.html");
    t.ok();
    assert_eq!(t.read("pages/503.html"), "<b>Service Unavailable</b>");
}

/// `[dest, "page.html", {"n": i}]` for `count` pages, every tenth in a sub-folder.
fn many_pages(count: usize, skip_n: &[usize]) -> String {
    let items: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            let dest = if i % 10 == 0 {
                format!("sub/p{i}.html")
            } else {
                format!("p{i}.html")
            };
            let ctx = if skip_n.contains(&i) {
                serde_json::json!({})
            } else {
                serde_json::json!({ "n": i })
            };
            serde_json::json!([dest, "page.html", ctx])
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

#[test]
fn many_pages_are_rendered_on_all_cores_and_written_in_order() {
    let t = Test::new("many")
        .file("t/page.html", "page {{ n }} of {{ dest | safe }}\n")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env("DOWNPAGE_PAGES", &many_pages(500, &[]));
    let r = t.ok();
    assert!(
        r.stderr.contains("wrote 500 pages (500 changed"),
        "{}",
        r.stderr
    );
    assert_eq!(t.files("pages").len(), 500);
    for i in [0, 1, 31, 32, 33, 255, 499] {
        let dest = if i % 10 == 0 {
            format!("sub/p{i}.html")
        } else {
            format!("p{i}.html")
        };
        assert_eq!(
            t.read(&format!("pages/{dest}")),
            format!("page {i} of {dest}\n")
        );
    }
    let again = t.ok();
    assert!(
        again.stderr.contains("0 changed, 500 unchanged"),
        "{}",
        again.stderr
    );
}

#[test]
fn among_many_pages_the_first_failing_one_is_named_and_nothing_is_written() {
    let t = Test::new("many-fail")
        .file("t/page.html", "page {{ n }}\n")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env("DOWNPAGE_PAGES", &many_pages(400, &[377, 121, 250]));
    for _ in 0..3 {
        let r = t.fails(&["page p121.html (DOWNPAGE_PAGES entry 122)", "`n` not found"]);
        assert!(!r.stderr.contains("p250"), "{}", r.stderr);
        assert_eq!(t.files("pages"), Vec::<String>::new());
    }
}

/// Every built-in language (the catalog files) and every code of the English catalog.
fn languages_and_codes() -> (Vec<String>, Vec<String>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/builtin/catalog");
    let mut langs: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|f| f.strip_suffix(".json").map(str::to_string))
        .collect();
    langs.sort();
    let en: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(format!("{dir}/en.json")).unwrap()).unwrap();
    let codes = en["codes"].as_object().unwrap().keys().cloned().collect();
    (langs, codes)
}

const LOGO: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\" role=\"img\" aria-label=\"Acme\"><rect width=\"32\" height=\"32\" rx=\"8\" fill=\"#0f766e\"/><path d=\"M9 22l7-13 7 13\" fill=\"none\" stroke=\"#fff\" stroke-width=\"3\"/></svg>";

#[test]
fn every_builtin_page_in_every_language_is_at_most_10_kb_and_self_contained() {
    let (langs, codes) = languages_and_codes();
    assert!(langs.len() >= 20, "{langs:?}");
    let t = Test::new("all-langs")
        .env("DOWNPAGE_LANGS", &langs.join(","))
        .env(
            "DOWNPAGE_CODES",
            &format!("{},maintenance", codes.join(",")),
        )
        .env("DOWNPAGE_FORMATS", "html,json,txt")
        .env("DOWNPAGE_VAR_SITE_NAME", "Acme Cloud Services")
        .env("DOWNPAGE_VAR_LOGO", LOGO)
        .env("DOWNPAGE_VAR_SUPPORT", "support@acme.example")
        .env("DOWNPAGE_VAR_STATUS_URL", "https://status.acme.example")
        .env("DOWNPAGE_VAR_MAINTENANCE_UNTIL", "Tuesday 14:00 UTC")
        .env("DOWNPAGE_VAR_RETRY_AFTER", "1800");
    t.ok();
    let mut largest = (0, String::new());
    for lang in &langs {
        // The folder is Django's spelling (zh-hans), <html lang> BCP 47's (zh-Hans).
        let folder = lang.to_ascii_lowercase();
        let html_tag = match lang.as_str() {
            "ar" | "he" => format!("<html lang=\"{lang}\" dir=\"rtl\">"),
            _ => format!("<html lang=\"{lang}\">"),
        };
        for stem in codes.iter().map(String::as_str).chain(["maintenance"]) {
            let page = t.read(&format!("pages/{folder}/{stem}.html"));
            assert!(
                page.len() <= 10 * 1024,
                "{lang}/{stem}.html is {} bytes",
                page.len()
            );
            if page.len() > largest.0 {
                largest = (page.len(), format!("{lang}/{stem}.html"));
            }
            assert!(page.contains(&html_tag), "{lang}");
            for external in [
                "src=\"http",
                "href=\"http://",
                "url(",
                "@import",
                "<script",
                "<link",
            ] {
                let outside_footer = page.split("<footer>").next().unwrap();
                assert!(
                    !outside_footer.contains(external),
                    "{lang}/{stem}.html has {external}"
                );
            }
            let json: serde_json::Value =
                serde_json::from_str(&t.read(&format!("pages/{folder}/{stem}.json"))).unwrap();
            assert_eq!(json["lang"], lang.as_str());
            let txt = t.read(&format!("pages/{folder}/{stem}.txt"));
            assert!(txt.starts_with(&format!("{} ", json["status"])), "{txt}");
        }
    }
    eprintln!("largest page: {} ({} bytes)", largest.1, largest.0);
}

#[test]
fn one_language_sets_html_lang_and_translates_every_format() {
    let t = Test::new("lang-de")
        .env("DOWNPAGE_LANG", "de")
        .env("DOWNPAGE_CODES", "502")
        .env("DOWNPAGE_FORMATS", "html,json,txt");
    t.ok();
    assert_eq!(t.files("pages"), ["502.html", "502.json", "502.txt"]);
    let page = t.read("pages/502.html");
    assert!(page.contains("<html lang=\"de\">"), "{page}");
    assert!(page.contains("<h1>Fehlerhaftes Gateway</h1>"), "{page}");
    assert!(
        page.contains("Fehler <bdi>502</bdi>") && page.contains("Erneut versuchen"),
        "{page}"
    );
    let json: serde_json::Value = serde_json::from_str(&t.read("pages/502.json")).unwrap();
    assert_eq!(json["title"], "Fehlerhaftes Gateway");
    assert_eq!(json["lang"], "de");
    assert!(
        t.read("pages/502.txt")
            .starts_with("502 Fehlerhaftes Gateway\n")
    );
}

#[test]
fn languages_write_one_folder_each() {
    let t = Test::new("langs")
        .env("DOWNPAGE_LANGS", "en,fr")
        .env("DOWNPAGE_CODES", "404");
    t.ok();
    assert_eq!(t.files("pages"), ["en/404.html", "fr/404.html"]);
    assert!(
        t.read("pages/fr/404.html")
            .contains("<h1>Page introuvable</h1>")
    );
}

#[test]
fn spellings_of_a_language_and_regional_forms() {
    let t = Test::new("langs-spellings")
        .env("DOWNPAGE_LANGS", "de_AT,de-at,pt-BR,zh_Hans,ar,he")
        .env("DOWNPAGE_CODES", "502")
        .env("DOWNPAGE_FORMATS", "html,json")
        .env("DOWNPAGE_VAR_SUPPORT", "help@example.com");
    t.ok();
    let folders = ["ar", "de-at", "he", "pt-br", "zh-hans"];
    let want: Vec<String> = folders
        .iter()
        .flat_map(|f| [format!("{f}/502.html"), format!("{f}/502.json")])
        .collect();
    assert_eq!(t.files("pages"), want);
    for (folder, html, words) in [
        ("de-at", "<html lang=\"de-AT\">", "Fehlerhaftes Gateway"),
        ("pt-br", "<html lang=\"pt-BR\">", "Gateway inválido"),
        ("zh-hans", "<html lang=\"zh-Hans\">", "网关错误"),
        ("ar", "<html lang=\"ar\" dir=\"rtl\">", "بوابة غير صالحة"),
        ("he", "<html lang=\"he\" dir=\"rtl\">", "שער שגוי"),
    ] {
        let page = t.read(&format!("pages/{folder}/502.html"));
        assert!(
            page.contains(html) && page.contains(words),
            "{folder}: {page}"
        );
        assert!(page.contains("<bdi>502</bdi>"), "{folder}");
        assert!(page.contains("<bdi>help@example.com</bdi>"), "{folder}");
    }
    let json: serde_json::Value = serde_json::from_str(&t.read("pages/de-at/502.json")).unwrap();
    assert_eq!(json["lang"], "de-AT");
    Test::new("lang-region-unknown")
        .env("DOWNPAGE_LANG", "xx-AT")
        .fails(&[
            "DOWNPAGE_LANG \"xx-at\" is not a built-in language and no site catalog is read (DOWNPAGE_LOCALE_DIR is not set): use one of",
            "ar (العربية)",
        ]);
}

#[test]
fn unknown_language_lists_the_available_ones() {
    Test::new("lang-bad").env("DOWNPAGE_LANG", "tlh").fails(&[
        "DOWNPAGE_LANG \"tlh\" is not a built-in language",
        "DOWNPAGE_LOCALE_DIR",
        "de (Deutsch)",
        "ja (日本語)",
    ]);
    Test::new("langs-both")
        .env("DOWNPAGE_LANG", "de")
        .env("DOWNPAGE_LANGS", "de,fr")
        .fails(&["DOWNPAGE_LANG and DOWNPAGE_LANGS are both set"]);
    Test::new("lang-no-tag")
        .env("DOWNPAGE_LANGS", "en,klingon")
        .fails(&[
            "DOWNPAGE_LANGS item \"klingon\" is not a language tag: write a language like de",
            "ja (日本語)",
        ]);
}

#[test]
fn maintenance_page_takes_its_words_from_the_configuration() {
    let t = Test::new("maintenance")
        .env("DOWNPAGE_CODES", "503,maintenance")
        .env("DOWNPAGE_FORMATS", "html,json,txt")
        .env(
            "DOWNPAGE_VAR_MAINTENANCE_MESSAGE",
            "We are moving to a new data centre.",
        )
        .env("DOWNPAGE_VAR_MAINTENANCE_UNTIL", "14:00 UTC")
        .env("DOWNPAGE_VAR_RETRY_AFTER", "900")
        .env("DOWNPAGE_VAR_STATUS_URL", "https://status.example.com/");
    t.ok();
    let page = t.read("pages/maintenance.html");
    assert!(page.contains("<h1>Down for maintenance</h1>"), "{page}");
    assert!(
        page.contains("<p>We are moving to a new data centre.</p>"),
        "{page}"
    );
    assert!(
        page.contains("We expect to be back by <bdi>14:00 UTC</bdi>."),
        "{page}"
    );
    assert!(page.contains("Please try again in 15 min."), "{page}");
    assert!(page.contains("Service status</a>"), "{page}");
    let json: serde_json::Value = serde_json::from_str(&t.read("pages/maintenance.json")).unwrap();
    assert_eq!(json["status"], 503);
    assert_eq!(json["maintenance"], true);
    assert_eq!(json["retry_after"], 900);
    assert_eq!(json["message"], "We are moving to a new data centre.");
    let txt = t.read("pages/maintenance.txt");
    assert!(
        txt.starts_with("503 Down for maintenance\n\nWe are moving"),
        "{txt}"
    );
    let plain_503 = t.read("pages/503.html");
    assert!(plain_503.contains("<h1>Service Unavailable</h1>"));
    assert!(!plain_503.contains("new data centre") && !plain_503.contains("14:00"));
}

#[test]
fn brand_colour_cannot_break_out_of_css_and_is_made_readable() {
    Test::new("brand-bad")
        .env("DOWNPAGE_VAR_BRAND_COLOR", "red;}</style><script>alert(1)</script>")
        .fails(&["DOWNPAGE_VAR_BRAND_COLOR \"red;}</style><script>alert(1)</script>\" is not a hex colour: write #RRGGBB"]);
    let t = Test::new("brand")
        .env("DOWNPAGE_CODES", "502")
        .env("DOWNPAGE_VAR_BRAND_COLOR", "#FFD400")
        .env("DOWNPAGE_VAR_SITE_NAME", "Acme <b>")
        .env("DOWNPAGE_VAR_SUPPORT", "help@acme.example")
        .env("DOWNPAGE_VAR_HOME_URL", "https://acme.example/");
    t.ok();
    let page = t.read("pages/502.html");
    assert!(page.contains("--brand:#ffd400"), "{page}");
    let light = page.lines().find(|l| l.starts_with(":root{")).unwrap();
    assert!(
        !light.contains("--accent:#ffd400"),
        "yellow is darkened for text on light: {light}"
    );
    assert!(page.contains("<bdi>Acme &lt;b&gt;</bdi>"), "{page}");
    assert!(page.contains("href=\"mailto:help@acme.example\""), "{page}");
    assert!(page.contains("Go to the home page"));
    Test::new("logo-bad")
        .env("DOWNPAGE_VAR_LOGO", "https://cdn.example/logo.png")
        .fails(&["DOWNPAGE_VAR_LOGO", "data URI"]);
    Test::new("home-bad")
        .env("DOWNPAGE_VAR_HOME_URL", "javascript:alert(1)")
        .fails(&["DOWNPAGE_VAR_HOME_URL \"javascript:alert(1)\" is not a link"]);
}

#[test]
fn logo_file_comes_from_the_static_root_as_a_data_uri() {
    let t = Test::new("logo-file")
        .file(
            "static/img/logo.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"/>",
        )
        .env("DOWNPAGE_STATIC_ROOT", "static")
        .env("DOWNPAGE_CODES", "502")
        .env("DOWNPAGE_VAR_SITE_NAME", "Acme")
        .env("DOWNPAGE_VAR_LOGO_FILE", "img/logo.svg");
    t.ok();
    let page = t.read("pages/502.html");
    assert!(
        page.contains("<header><img src=\"data:image/svg+xml;base64,"),
        "{page}"
    );
    assert!(page.contains("alt=\"\"><bdi>Acme</bdi></header>"), "{page}");
    Test::new("logo-file-missing")
        .file("static/x.css", "")
        .env("DOWNPAGE_STATIC_ROOT", "static")
        .env("DOWNPAGE_VAR_LOGO_FILE", "img/nope.svg")
        .fails(&["img/nope.svg"]);
}

#[test]
fn theme_settings_in_a_pages_own_context_are_checked_before_rendering() {
    let t = Test::new("own-theme")
        .file("t/p.html", "{{ theme.accent }}")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env(
            "DOWNPAGE_PAGES",
            r##"[["a.html", "p.html", {"brand_color": "#0a7"}], ["b.html", "p.html", {"brand_color": "red;}"}]]"##,
        );
    t.fails(&["DOWNPAGE_PAGES entry 2: brand_color \"red;}\" is not a hex colour"]);
    let t = t.env(
        "DOWNPAGE_PAGES",
        r##"[["a.html", "p.html", {"brand_color": "#0a7"}]]"##,
    );
    t.ok();
    assert!(t.read("pages/a.html").starts_with('#'));
}

// ---- issue 16: bugs the old shape hid ----

#[test]
fn template_variables_named_like_ports_reach_the_templates() {
    // Only the exact service-link names of a Service called `downpage` are ignored;
    // DOWNPAGE_VAR_PORT and friends are template variables like any other.
    let t = site("var-port")
        .file(
            "templates/ports.html",
            "{{ port }}|{{ http_port }}|{{ x_service_host }}|{{ service_port }}",
        )
        .env("DOWNPAGE_PAGES", "ports.html=ports.html")
        .env("DOWNPAGE_VAR_PORT", "8000")
        .env("DOWNPAGE_VAR_HTTP_PORT", "80")
        .env("DOWNPAGE_VAR_X_SERVICE_HOST", "db.internal")
        .env("DOWNPAGE_VAR_SERVICE_PORT", "5432")
        // What Kubernetes injects for a Service named `downpage`: still ignored.
        .env("DOWNPAGE_SERVICE_HOST", "10.0.0.1")
        .env("DOWNPAGE_SERVICE_PORT", "80")
        .env("DOWNPAGE_SERVICE_PORT_HTTP", "80")
        .env("DOWNPAGE_PORT", "tcp://10.0.0.1:80")
        .env("DOWNPAGE_PORT_80_TCP", "tcp://10.0.0.1:80")
        .env("DOWNPAGE_PORT_80_TCP_ADDR", "10.0.0.1")
        .env("DOWNPAGE_PORT_80_TCP_PORT", "80")
        .env("DOWNPAGE_PORT_80_TCP_PROTO", "tcp");
    t.ok();
    assert_eq!(t.read("out/ports.html"), "8000|80|db.internal|5432");
    // A name that only looks like a service link is a typo, and is named as one.
    site("not-a-link")
        .env("DOWNPAGE_OUTPUT_PORT", "80")
        .fails(&["unknown variable DOWNPAGE_OUTPUT_PORT"]);
}

#[test]
fn a_page_size_limit_that_rounds_to_zero_is_refused() {
    for value in ["0.5", "0.4b", "0.0001k"] {
        site("max-zero")
            .env("DOWNPAGE_MAX_PAGE_BYTES", value)
            .fails(&["DOWNPAGE_MAX_PAGE_BYTES", value, "write a size"]);
    }
    site("max-one")
        .env("DOWNPAGE_MAX_PAGE_BYTES", "1.5")
        .fails(&["bytes, more than DOWNPAGE_MAX_PAGE_BYTES=1"]);
}

#[test]
fn template_syntax_error_names_the_page() {
    let (t, page) = after_good_run("syntax-page");
    let t = t.file(
        "templates/myapp/downpage_503.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{{ name | }}\n{% endblock %}",
    );
    t.fails(&[
        "page sub/503.html (DOWNPAGE_PAGES entry 2)",
        "myapp/downpage_503.html",
        "line 3 column",
    ]);
    still_intact(&t, &page); // A broken base template: the first page that extends it is named.
    let t = t
        .file(
            "templates/myapp/downpage_503.html",
            "{% extends \"base.html\" %}{% block content %}ok{% endblock %}",
        )
        .file(
            "templates/base.html",
            "<html>\n{% block content %}{% endblock %}\n{{ x | }}",
        );
    t.fails(&[
        "page 502.html (DOWNPAGE_PAGES entry 1) through template myapp/downpage_502.html",
        "Failed to parse 'base.html'",
        "line 3 column",
    ]);
    still_intact(&t, &page);
}

#[test]
fn a_malformed_json_entry_names_its_destination() {
    let (t, page) = after_good_run("json-entry-dest");
    let t = t.env(
        "DOWNPAGE_PAGES",
        r#"[["502.html", "myapp/downpage_502.html"], ["lonely.html"]]"#,
    );
    t.fails(&["DOWNPAGE_PAGES entry 2 [\"lonely.html\"]: an array of 1 items"]);
    still_intact(&t, &page);
}

#[test]
fn a_destination_refused_for_a_symlink_names_destination_and_variable() {
    let (t, _) = after_good_run("symlink-named");
    let outside = t.path("outside");
    fs::create_dir_all(&outside).unwrap();
    symlink(&outside, t.path("out/link")).unwrap();
    let t = t.env(
        "DOWNPAGE_PAGES",
        "502.html=myapp/downpage_502.html,link/502.html=myapp/downpage_502.html",
    );
    t.fails(&[
        "page link/502.html (DOWNPAGE_PAGES entry 2)",
        "is a symbolic link",
    ]);
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
}
