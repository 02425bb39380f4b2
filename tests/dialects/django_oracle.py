#!/usr/bin/env python3
"""The Django half of the dialect differential tests: renders every case template with the
real Django 5.2, set up as the DOWNPAGE_SYNTAX=django contract (issue 12) says, so that
tests/checks/dialects-django.sh can compare downpage's output with it byte for byte.

    django_oracle.py CASES_DIR OUT_DIR

CASES_DIR holds `<case>.html` (the entries) with an optional `<case>.json` context, plus the
layouts and includes they use in sub-folders, and an optional `urls.json` (DOWNPAGE_URLS).
Each entry's output is written to OUT_DIR/<case>.html.

The setup, as the contract has it:
  * DjangoTemplates, DIRS = [CASES_DIR], autoescape on, string_if_invalid "";
    the static, i18n, l10n, tz and cache libraries are builtins (they work without
    {% load %}); INSTALLED_APPS = [] ({% static %} is urljoin(STATIC_URL, quote(path)));
    STATIC_URL "/static/", LANGUAGE_CODE "en", LANGUAGES [("en", "English")], USE_TZ, UTC;
    no translation catalogs (msgids stay as written).
  * "now" is SOURCE_DATE_EPOCH (946684800 unless set).
  * The departures from Django (†): a filter argument that is a variable which does not
    resolve is "" (Django raises); {% cache %} renders its body and evaluates no argument;
    {% url %} looks its first argument up in urls.json, "#" when missing, also for `as var`.
  * Stubs, for the names the case templates use that Django does not have: unknown tags
    (a block tag when its end tag comes later in the same template, rendering its body up to
    an {% else %}/{% elif %}/{% empty %} at its own level; else "" and `as var` sets ""),
    unknown filters (return their input), {% load X %} of another library (loads nothing;
    {% load a b from X %} makes a and b stubs).
"""
import datetime
import json
import os
import re
import sys
import types

CASES, OUT = sys.argv[1], sys.argv[2]
EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "946684800"))
OWN_LIBRARIES = ["static", "i18n", "l10n", "tz", "cache"]
# words that close or split Django's own block tags: never stubs
CLOSERS = {"else", "elif", "empty", "plural", "endblocktranslate", "endblocktrans"}
CUT = ("else", "elif", "empty")
FILTER_RE = re.compile(r"\|\s*(\w+)")
STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')


def template_files():
    for root, dirs, files in os.walk(CASES):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith(".json"):
                yield os.path.relpath(os.path.join(root, f), CASES)


def main():
    import django
    from django import template as dt
    from django.conf import settings
    from django.template import base as tbase
    from django.template.base import Lexer, Node, TokenType
    from django.template.engine import Engine
    from django.utils.html import conditional_escape

    urls_file = os.path.join(CASES, "urls.json")
    urls = json.load(open(urls_file)) if os.path.exists(urls_file) else {}

    # Which names Django has, and which the cases use.
    import importlib

    known_tags, known_filters = set(), set()
    for mod in Engine.default_builtins + [f"django.templatetags.{n}" for n in OWN_LIBRARIES]:
        lib = importlib.import_module(mod).register
        known_tags |= set(lib.tags)
        known_filters |= set(lib.filters)
    used_tags, used_filters, from_loads = set(), set(), {}
    for name in template_files():
        text = open(os.path.join(CASES, name), encoding="utf-8").read()
        comment = False
        for tok in Lexer(text).tokenize():
            if tok.token_type not in (TokenType.BLOCK, TokenType.VAR):
                continue
            if comment:
                comment = tok.contents != "endcomment"
                continue
            if tok.token_type == TokenType.BLOCK:
                bits = tok.split_contents()
                if not bits:
                    continue
                if bits[0] == "comment":
                    comment = True
                    continue
                used_tags.add(bits[0])
                if bits[0] == "load" and len(bits) >= 4 and bits[-2] == "from":
                    from_loads.setdefault(bits[-1], set()).update(bits[1:-2])
                if bits[0] == "filter" and len(bits) > 1:
                    used_filters.update(re.findall(r"^\w+", bits[1]))
            used_filters.update(FILTER_RE.findall(STRING_RE.sub('""', tok.contents)))
    stub_tags = used_tags - known_tags - CLOSERS - {"url"}
    stub_tags = {t for t in stub_tags if not (t.startswith("end") and t[3:] in known_tags)}
    stub_filters = used_filters - known_filters

    class Stub(Node):
        def __init__(self, body=None, asvar=None):
            self.body, self.asvar = body, asvar

        def render(self, context):
            if self.body is not None:
                return self.body.render(context)
            if self.asvar:
                context[self.asvar] = ""
            return ""

    def stub_tag(name):
        end = "end" + name

        def compile_tag(parser, token):
            later = [t for t in parser.tokens if t.token_type == TokenType.BLOCK]
            if any(t.contents.split()[:1] == [end] for t in later):
                body = parser.parse((end,) + CUT)
                while parser.next_token().contents.split()[0] != end:
                    parser.parse((end,) + CUT)
                return Stub(body=body)
            bits = token.split_contents()
            return Stub(asvar=bits[-1] if len(bits) >= 3 and bits[-2] == "as" else None)

        return compile_tag

    class Url(Node):
        def __init__(self, name, asvar):
            self.name, self.asvar = name, asvar

        def render(self, context):
            path = str(urls.get(str(self.name.resolve(context)), "#"))
            if self.asvar:
                context[self.asvar] = path
                return ""
            return conditional_escape(path) if context.autoescape else path

    def url_tag(parser, token):
        bits = token.split_contents()
        asvar = bits[-1] if len(bits) >= 4 and bits[-2] == "as" else None
        return Url(parser.compile_filter(bits[1]), asvar)

    stubs = types.ModuleType("case_stubs")
    stubs.register = dt.Library()
    for t in sorted(stub_tags):
        stubs.register.tag(t, stub_tag(t))
    for f in sorted(stub_filters):
        stubs.register.filter(f, lambda value, arg=None: value)
    stubs.register.tag("url", url_tag)
    sys.modules["case_stubs"] = stubs

    # Every other library: empty, or with the `from` names as stubs.
    class Libraries(dict):
        def __missing__(self, lib):
            library = dt.Library()
            for n in sorted(from_loads.get(lib, ())):
                library.tag(n, stub_tag(n))
                library.filter(n, lambda value, arg=None: value)
            self[lib] = library
            return library

    settings.configure(
        DEBUG=False,
        SECRET_KEY="downpage-dialect-tests",
        INSTALLED_APPS=[],
        STATIC_URL=os.environ.get("DOWNPAGE_STATIC_URL", "/static/"),
        USE_I18N=True,
        LANGUAGE_CODE="en",
        LANGUAGES=[("en", "English")],
        USE_TZ=True,
        TIME_ZONE="UTC",
        TEMPLATES=[{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [CASES],
            "APP_DIRS": False,
            "OPTIONS": {"builtins": [f"django.templatetags.{n}" for n in OWN_LIBRARIES] + ["case_stubs"]},
        }],
    )
    django.setup()
    from django.template import engines

    engine = engines["django"].engine
    engine.template_libraries = Libraries(engine.template_libraries)

    # † a filter argument that does not resolve is "".
    resolve = tbase.Variable.resolve

    class ArgVariable(tbase.Variable):
        __slots__ = ()

        def resolve(self, context):
            try:
                return resolve(self, context)
            except tbase.VariableDoesNotExist:
                return ""

    init = tbase.FilterExpression.__init__

    def filter_init(self, token, parser):
        init(self, token, parser)
        for _f, args in self.filters:
            for lookup, arg in args:
                if lookup and type(arg) is tbase.Variable:
                    arg.__class__ = ArgVariable

    tbase.FilterExpression.__init__ = filter_init
    # † {% cache %}: the body only.
    from django.templatetags import cache

    cache.CacheNode.render = lambda self, context: self.nodelist.render(context)
    # "now" is SOURCE_DATE_EPOCH.
    from django.template import defaulttags
    from django.utils import timesince, timezone

    fixed = datetime.datetime.fromtimestamp(EPOCH, tz=datetime.timezone.utc)

    class Now(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return fixed.astimezone(tz) if tz is not None else fixed.replace(tzinfo=None)

    defaulttags.datetime = Now
    shim = types.SimpleNamespace(**{k: getattr(datetime, k) for k in dir(datetime) if not k.startswith("__")})
    shim.datetime = Now
    timesince.datetime = shim
    timezone.now = lambda: fixed

    from django.template.loader import get_template

    os.makedirs(OUT, exist_ok=True)
    count = 0
    failures = []
    for name in sorted(os.listdir(CASES)):
        if not name.endswith(".html") or not os.path.isfile(os.path.join(CASES, name)):
            continue
        ctx_file = os.path.join(CASES, name[:-5] + ".json")
        ctx = json.load(open(ctx_file)) if os.path.exists(ctx_file) else {}
        try:
            text = get_template(name).render(ctx)
        except Exception as e:  # noqa: BLE001 - reported per case
            failures.append(f"django_oracle: case {name} does not render with Django: {type(e).__name__}: {e}")
            continue
        with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        count += 1
    print(f"django_oracle: {count} cases rendered with Django {django.get_version()}")
    if failures:
        sys.exit("\n".join(failures))


main()
