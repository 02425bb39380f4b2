//! End-to-end tests of the site's translations through the real binary: every page of
//! `DOWNPAGE_PAGES` in every language of `DOWNPAGE_LANGS`, the catalogs of
//! `DOWNPAGE_LOCALE_DIR` in both dialects, and malformed catalogs. Byte equality with real
//! Django and Jinja2 is checked by tests/checks/dialects-i18n.sh.

use crate::support::Test;

const DE_PO: &str = r#"msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Hello"
msgstr "Hallo"

msgid "%(counter)s cat"
msgid_plural "%(counter)s cats"
msgstr[0] "%(counter)s Katze"
msgstr[1] "%(counter)s Katzen"
"#;

const DJANGO_PAGE: &str = "{% load i18n %}{% get_current_language as L %}{% get_current_language_bidi as B %}{{ L }}|{{ B }}|{{ LANGUAGE_CODE }}|{{ LANGUAGE_BIDI }}|{% trans \"Hello\" %}|{% blocktrans count counter=n %}{{ counter }} cat{% plural %}{{ counter }} cats{% endblocktrans %}";

fn django_site(name: &str) -> Test {
    Test::new(name)
        .env("DOWNPAGE_SYNTAX", "django")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_LOCALE_DIR", "locale")
        .file("templates/e.html", DJANGO_PAGE)
        .file("locale/de/LC_MESSAGES/django.po", DE_PO)
        .env("DOWNPAGE_PAGES", r#"[["502.html", "e.html", {"n": 2}]]"#)
}

#[test]
fn every_site_page_in_every_language_with_its_catalog() {
    let t = django_site("i18n-every")
        .env("DOWNPAGE_LANGS", "en,de_AT,ar")
        .env("DOWNPAGE_CODES", "503");
    t.ok();
    assert_eq!(t.read("out/en/502.html"), "en|False|en|False|Hello|2 cats");
    // A language only the site's catalogs have: de_AT falls back to de.
    assert_eq!(
        t.read("out/de-at/502.html"),
        "de-at|False|de-at|False|Hallo|2 Katzen"
    );
    // Never another language: Arabic has no catalog, so the msgids stay.
    assert_eq!(t.read("out/ar/502.html"), "ar|True|ar|True|Hello|2 cats");
    // Only the language folders, as for the built-in pages.
    assert!(!t.path("out/502.html").exists());
    // The built-in pages in the de-at folder use the nearest built-in language.
    let builtin = t.read("out/de-at/503.html");
    assert!(builtin.contains("lang=\"de-AT\""), "{builtin}");
    assert!(builtin.contains("Dienst"), "{builtin}");
}

#[test]
fn one_language_renders_at_the_top_with_its_catalog() {
    let t = django_site("i18n-one").env("DOWNPAGE_LANG", "de");
    t.ok();
    assert_eq!(t.read("out/502.html"), "de|False|de|False|Hallo|2 Katzen");
}

#[test]
fn jinja2_reads_the_messages_domain_or_the_one_named() {
    let t = Test::new("i18n-jinja2")
        .env("DOWNPAGE_SYNTAX", "jinja2")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_LOCALE_DIR", "translations")
        .env("DOWNPAGE_LANGS", "en,de")
        .file(
            "templates/e.html",
            "{{ LANGUAGE_CODE }}|{{ _('Hello') }}|{{ ngettext('%(num)d cat', '%(num)d cats', 1) }}",
        )
        .file(
            "translations/de/LC_MESSAGES/messages.po",
            &DE_PO.replace("%(counter)s", "%(num)d"),
        )
        .env("DOWNPAGE_PAGES", "x.html=e.html");
    t.ok();
    assert_eq!(t.read("out/en/x.html"), "en|Hello|1 cat");
    assert_eq!(t.read("out/de/x.html"), "de|Hallo|1 Katze");
    // django-jinja projects name the Django domain.
    let t = t.env("DOWNPAGE_LOCALE_DOMAIN", "django");
    t.ok();
    assert_eq!(t.read("out/de/x.html"), "de|Hello|1 cat");
}

#[test]
fn tera_site_pages_are_rendered_in_every_language_too() {
    let t = Test::new("i18n-tera")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_LANGS", "fr,de")
        .file("templates/e.html", "{{ lang }}:{{ title }}")
        .env("DOWNPAGE_PAGES", "errors/502.html=e.html");
    t.ok();
    assert_eq!(
        t.read("out/fr/errors/502.html"),
        "fr:Passerelle défaillante"
    );
    let de = t.read("out/de/errors/502.html");
    assert!(
        de.starts_with("de:") && !de.ends_with("Bad Gateway"),
        "{de}"
    );
}

#[test]
fn a_malformed_catalog_names_the_file_and_line_and_keeps_the_pages() {
    let t = django_site("i18n-bad-po").env("DOWNPAGE_LANGS", "en,de");
    t.ok();
    let before = t.read("out/de/502.html");
    let t = t.file(
        "locale/de/LC_MESSAGES/django.po",
        &format!("{DE_PO}\nmsgid \"Broken\"\n\nmsgid \"Next\"\nmsgstr \"N\"\n"),
    );
    t.fails(&["locale/de/LC_MESSAGES/django.po", "line 16"]);
    assert_eq!(t.read("out/de/502.html"), before);
}

#[test]
fn a_malformed_mo_names_the_file_and_offset() {
    let t = django_site("i18n-bad-mo")
        .env("DOWNPAGE_LANGS", "en,de")
        .file(
            "locale/de/LC_MESSAGES/django.mo",
            "\u{95}\u{4}\u{12}garbage",
        );
    t.fails(&["locale/de/LC_MESSAGES/django.mo", "offset"]);
    assert!(!t.path("out/de/502.html").exists());
}

const FI_PO: &str = r#"msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Hello"
msgstr "Hei"

msgid "%(counter)s cat"
msgid_plural "%(counter)s cats"
msgstr[0] "%(counter)s kissa"
msgstr[1] "%(counter)s kissaa"
"#;

/// The warning lines of a run's stderr.
fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("downpage: warning:"))
        .collect()
}

#[test]
fn a_language_only_the_site_translates_gets_its_pages_and_built_in_pages_in_the_first_language() {
    // `fi`: no built-in Finnish, nothing near it; the site's catalogs have it.
    let t = django_site("i18n-fi")
        .file("locale/fi/LC_MESSAGES/django.po", FI_PO)
        .env("DOWNPAGE_LANGS", "en,fi")
        .env("DOWNPAGE_CODES", "503")
        .env("DOWNPAGE_FORMATS", "html,json");
    let r = t.ok();
    assert_eq!(t.read("out/fi/502.html"), "fi|False|fi|False|Hei|2 kissaa");
    // The built-in page in fi/ is the English one, and says so to screen readers.
    let builtin = t.read("out/fi/503.html");
    assert_eq!(builtin, t.read("out/en/503.html"));
    assert!(
        builtin.contains("<html lang=\"en\">") && builtin.contains("Service Unavailable"),
        "{builtin}"
    );
    let json: serde_json::Value = serde_json::from_str(&t.read("out/fi/503.json")).unwrap();
    assert_eq!(json["lang"], "en");
    let warned = warnings(&r.stderr);
    assert_eq!(warned.len(), 1, "{}", r.stderr);
    assert!(
        warned[0].starts_with("downpage: warning: DOWNPAGE_LANGS \"fi\" is not a built-in language: its 2 built-in pages (fi/503.html, …) are in en (English)"),
        "{}",
        warned[0]
    );
    crate::support::snapshot_error(&t.dir, warned[0]);

    // The first language of DOWNPAGE_LANGS that is built in (or near one) gives the words:
    // Arabic, right to left, in fi/ as in ar/.
    let t = t
        .env("DOWNPAGE_LANGS", "fi,ar,en")
        .env("DOWNPAGE_FORMATS", "html");
    let r = t.ok();
    let builtin = t.read("out/fi/503.html");
    assert_eq!(builtin, t.read("out/ar/503.html"));
    assert!(
        builtin.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{builtin}"
    );
    assert_eq!(t.read("out/fi/502.html"), "fi|False|fi|False|Hei|2 kissaa");
    crate::support::snapshot_error(&t.dir, warnings(&r.stderr)[0]);
    // A regional form gives its built-in language: German words say lang="de", de-at's
    // own pages lang="de-AT".
    let t = t.env("DOWNPAGE_LANGS", "de_AT,fi");
    t.ok();
    assert!(t.read("out/fi/503.html").contains("<html lang=\"de\">"));
    assert!(
        t.read("out/de-at/503.html")
            .contains("<html lang=\"de-AT\">")
    );

    // No built-in page in fi/ (DOWNPAGE_PAGES alone): nothing to warn about.
    let t = t
        .env("DOWNPAGE_LANGS", "en,fi")
        .unset("DOWNPAGE_CODES")
        .env("DOWNPAGE_OUTPUT_DIR", "site-only");
    let r = t.ok();
    assert!(warnings(&r.stderr).is_empty(), "{}", r.stderr);
    assert_eq!(t.files("site-only"), ["en/502.html", "fi/502.html"]);
}

#[test]
fn one_language_only_the_site_translates_renders_at_the_top() {
    let t = django_site("i18n-fi-one")
        .file("locale/fi/LC_MESSAGES/django.po", FI_PO)
        .env("DOWNPAGE_LANG", "fi")
        .env("DOWNPAGE_CODES", "503");
    let r = t.ok();
    assert_eq!(t.read("out/502.html"), "fi|False|fi|False|Hei|2 kissaa");
    assert!(t.read("out/503.html").contains("<html lang=\"en\">"));
    let warned = warnings(&r.stderr);
    assert_eq!(warned.len(), 1, "{}", r.stderr);
    crate::support::snapshot_error(&t.dir, warned[0]);
}

#[test]
fn a_language_neither_built_in_nor_in_the_site_catalogs_is_refused() {
    let site = django_site("i18n-typo").file("locale/fi/LC_MESSAGES/django.po", FI_PO);
    // A typo: the nearest names, the languages there are, and the catalog to add.
    site.clone().env("DOWNPAGE_LANGS", "en,dee").fails(&[
        "DOWNPAGE_LANGS item \"dee\" is neither a built-in language nor one of the site's catalogs (DOWNPAGE_LOCALE_DIR has de, fi): did you mean \"de\"? Otherwise, use one of",
        "ja (日本語)",
        "locale/dee/LC_MESSAGES/django.po",
    ]);
    // Only the built-in pages, and no catalogs: no page could be in Finnish.
    let builtin_only = Test::new("i18n-fi-builtin")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_LANGS", "en,fi");
    builtin_only.fails(&[
        "DOWNPAGE_LANGS item \"fi\" is not a built-in language and no site catalog is read (DOWNPAGE_LOCALE_DIR is not set)",
        "de (Deutsch)",
    ]);
    assert!(!builtin_only.path("out").exists());
    // The site's catalogs have fi, but Tera templates do not read them.
    site.clone()
        .env("DOWNPAGE_SYNTAX", "tera")
        .env("DOWNPAGE_LANGS", "en,fi")
        .fails(&[
            "Tera templates do not read the site's catalogs",
            "DOWNPAGE_SYNTAX=django",
        ]);
    // The site's catalogs have fi, but no page of the site is translated with them.
    site.unset("DOWNPAGE_PAGES")
        .env("DOWNPAGE_LANGS", "en,fi")
        .fails(&["DOWNPAGE_PAGES lists no page of the site to translate into it"]);
}
