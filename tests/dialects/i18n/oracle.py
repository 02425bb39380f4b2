#!/usr/bin/env python3
"""The real engines' half of tests/checks/dialects-i18n.sh: renders every top-level case
template of CASES_DIR in every language, with the catalogs of LOCALE_DIR (compiled .mo
files), into OUT_DIR/<lang>/<case>, so the check can compare downpage's pages byte for byte.

    oracle.py django|jinja2 CASES_DIR LOCALE_DIR OUT_DIR LANG,LANG,... NAMES_JSON

  * django: Django 5.2 with LOCALE_PATHS = [LOCALE_DIR], LANGUAGES = the run's languages
    (names from NAMES_JSON: what downpage's built-in catalogs call them), LANGUAGE_CODE
    "en"; the i18n library is a builtin; translation.activate(lang) for each language; the
    context also gets LANGUAGE_CODE and LANGUAGE_BIDI as the i18n context processor adds them.
  * jinja2: Jinja2 3.1 with the i18n extension and Babel's Translations installed
    (newstyle gettext), domain "messages", autoescape on; a regional language's catalog
    falls back to its base language's (de_AT -> de: add_fallback, which Flask-Babel does
    not do but downpage's contract says); LANGUAGE_CODE and LANGUAGE_BIDI in the context too.
"""
import json
import os
import sys

KIND, CASES, LOCALE, OUT, LANGS, NAMES = sys.argv[1:7]
LANGS = LANGS.split(",")
NAMES = json.loads(NAMES)


def cases():
    for name in sorted(os.listdir(CASES)):
        if name.endswith(".html") and os.path.isfile(os.path.join(CASES, name)):
            ctx = os.path.join(CASES, name[:-5] + ".json")
            yield name, (json.load(open(ctx, encoding="utf-8")) if os.path.exists(ctx) else {})


def write(lang, name, text):
    os.makedirs(os.path.join(OUT, lang), exist_ok=True)
    with open(os.path.join(OUT, lang, name), "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def django_main():
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="downpage-i18n-tests",
        INSTALLED_APPS=[],
        USE_I18N=True,
        LANGUAGE_CODE="en",
        LANGUAGES=[(lang, NAMES[lang]) for lang in LANGS],
        LOCALE_PATHS=[LOCALE],
        USE_TZ=True,
        TIME_ZONE="UTC",
        TEMPLATES=[{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [CASES],
            "APP_DIRS": False,
            "OPTIONS": {"builtins": ["django.templatetags.i18n"]},
        }],
    )
    django.setup()
    from django.template import engines
    from django.utils import translation

    engine = engines["django"]
    for lang in LANGS:
        translation.activate(lang)
        for name, ctx in cases():
            full = {"LANGUAGE_CODE": translation.get_language(),
                    "LANGUAGE_BIDI": translation.get_language_bidi()}
            full.update(ctx)
            write(lang, name, engine.get_template(name).render(full))
        translation.deactivate()


def jinja2_main():
    import jinja2
    from babel.support import Translations

    bidi = {"he", "ar", "ckb", "fa", "ug", "ur"}
    for lang in LANGS:
        parts = lang.split("-")
        locale = parts[0] + ("_" + parts[1].upper() if len(parts) > 1 else "")
        t = Translations.load(LOCALE, [locale], "messages")
        if len(parts) > 1:
            t.add_fallback(Translations.load(LOCALE, [parts[0]], "messages"))
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(CASES),
            extensions=["jinja2.ext.i18n"],
            autoescape=True,
        )
        env.install_gettext_translations(t, newstyle=True)
        for name, ctx in cases():
            full = {"LANGUAGE_CODE": lang, "LANGUAGE_BIDI": parts[0] in bidi}
            full.update(ctx)
            write(lang, name, env.get_template(name).render(full))


{"django": django_main, "jinja2": jinja2_main}[KIND]()
