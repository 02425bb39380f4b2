#!/usr/bin/env python3
"""The Jinja2 half of the dialect differential tests: renders every case template with the
real Jinja2 3.1, set up as the DOWNPAGE_SYNTAX=jinja2 contract (issue 12) says, so that
tests/checks/dialects-jinja2.sh can compare downpage's output with it byte for byte.

    jinja2_oracle.py CASES_DIR OUT_DIR

CASES_DIR holds the entries (`<case>.html` / `.txt` at its top level) with an optional
`<case>.json` context (object keys sorted, as downpage reads JSON), the layouts, includes and
macro files they use in sub-folders, and an optional `urls.json` (DOWNPAGE_URLS). Each
entry's output goes to OUT_DIR/<case>; an entry the engine refuses gets
OUT_DIR/<case>.error holding the exception (downpage must refuse it too).

The setup, as the contract has it:
  * Environment(FileSystemLoader(CASES_DIR)), extensions i18n (newstyle gettext, null
    translations), do, loopcontrols; Jinja2's defaults otherwise (trim_blocks and
    lstrip_blocks off, the trailing newline dropped); autoescape on unless the name ends in
    .txt, .json, .js or .css (any case).
  * The undefined (†): ChainableUndefined that is also callable, and "" in `+` and in
    comparisons; a filter's undefined input is "" (except default/d); |tojson writes it "".
  * Globals: url_for (Flask's static route, werkzeug quoting; other endpoints from
    urls.json or "#"), get_flashed_messages() -> [], static() (Django's), url() (urls.json or
    "#"); config, request, session and g are the undefined.
  * Stubs for the names the case templates use that Jinja2 does not have: unknown tags (a
    block tag when `{% end<name> %}` comes later in the same template, rendering its body up
    to an else/elif/empty at its own level; else "" and `as var` sets ""), unknown filters
    (return their input), unknown tests (false). Unknown functions are simply undefined.
"""
import functools
import json
import os
import sys
from urllib.parse import quote, urlencode

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.lexer import Token

CASES, OUT = sys.argv[1], sys.argv[2]
NO_AUTOESCAPE = ("txt", "json", "js", "css")
EXTENSIONS = ["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"]
KNOWN_TAGS = {
    "for", "if", "block", "extends", "print", "macro", "include", "from", "import", "set",
    "with", "autoescape", "filter", "call", "elif", "else", "endfor", "endif", "endblock",
    "endmacro", "endcall", "endfilter", "endset", "endwith", "endautoescape", "pluralize",
    "endtrans", "raw", "endraw", "trans", "do", "break", "continue",
}
BLOCK_STUB, INLINE_STUB, EMPTY_STUB = "_downpage_block_stub", "_downpage_inline_stub", "_downpage_empty"


def case_files():
    for root, dirs, files in os.walk(CASES):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith(".json"):
                yield os.path.relpath(os.path.join(root, f), CASES)


def used_names(env):
    """Tag, filter and test names the case templates use (Jinja2's own lexer)."""
    tags, filters, tests = set(), set(), set()
    for name in case_files():
        with open(os.path.join(CASES, name), encoding="utf-8") as fh:
            src = fh.read()
        try:
            toks = list(env.lexer.tokenize(src, name))
        except jinja2.TemplateSyntaxError:
            continue
        for prev, tok, nxt in zip([None] + toks, toks, toks[1:] + [None]):
            if tok.type != "name" or prev is None:
                continue
            if prev.type == "block_begin":
                tags.add(tok.value)
                if tok.value == "filter" and nxt is not None and nxt.type == "name":
                    filters.add(nxt.value)
            elif prev.type == "pipe":
                filters.add(tok.value)
            elif prev.type == "name" and prev.value in ("is", "not") and tok.value not in ("not",):
                tests.add(tok.value)
    return tags, filters, tests


def stub_extension(stub_tags):
    class Stubs(Extension):
        tags = {BLOCK_STUB, INLINE_STUB, EMPTY_STUB}

        def filter_stream(self, stream):
            toks = list(stream)
            end_at = {}
            for i, t in enumerate(toks):
                if t.type == "name" and i and toks[i - 1].type == "block_begin":
                    end_at.setdefault(t.value, []).append(i)
            for i, t in enumerate(toks):
                if t.type == "name" and i and toks[i - 1].type == "block_begin" and t.value in stub_tags:
                    closes = any(j > i for j in end_at.get("end" + t.value, []))
                    kind = EMPTY_STUB if t.value == "empty" else BLOCK_STUB if closes else INLINE_STUB
                    yield Token(t.lineno, "name", kind)
                    yield Token(t.lineno, "string", t.value)
                else:
                    yield t

        def parse(self, parser):
            kind = next(parser.stream)
            name = parser.stream.expect("string").value
            args = []
            while parser.stream.current.type != "block_end":
                args.append(next(parser.stream))
            if kind.value != BLOCK_STUB:
                if len(args) >= 2 and args[-2].test("name:as") and args[-1].type == "name":
                    return nodes.Assign(nodes.Name(args[-1].value, "store"), nodes.Const(""), lineno=kind.lineno)
                return []
            stops = ["name:end" + name, "name:else", "name:elif"]
            if "empty" in stub_tags:
                stops.append("name:" + EMPTY_STUB)
            body = parser.parse_statements(stops)
            while not parser.stream.current.test("name:end" + name):
                next(parser.stream)
                while parser.stream.current.type != "block_end":
                    next(parser.stream)
                parser.parse_statements(stops)  # parsed, never rendered
            next(parser.stream)
            while parser.stream.current.type != "block_end":
                next(parser.stream)
            return body

    return Stubs


def contract_undefined():
    def bare(v):
        return "" if isinstance(v, jinja2.Undefined) else v

    class Undefined(jinja2.ChainableUndefined):
        __slots__ = ()

        def __call__(self, *a, **k):
            return self

        def __add__(self, o):
            return "" + bare(o)

        def __radd__(self, o):
            return bare(o) + ""

        def __eq__(self, o):
            return "" == bare(o)

        def __ne__(self, o):
            return "" != bare(o)

        def __lt__(self, o):
            return "" < bare(o)

        def __le__(self, o):
            return "" <= bare(o)

        def __gt__(self, o):
            return "" > bare(o)

        def __ge__(self, o):
            return "" >= bare(o)

        def __hash__(self):
            return hash("")

    return Undefined


def main():
    from django.conf import settings

    settings.configure(INSTALLED_APPS=[], STATIC_URL="/static/", USE_I18N=False)
    import django

    django.setup()
    from django.templatetags.static import static as django_static

    urls_path = os.path.join(CASES, "urls.json")
    urls = json.load(open(urls_path)) if os.path.exists(urls_path) else {}

    probe = jinja2.Environment(extensions=EXTENSIONS)
    tags, filters, tests = used_names(probe)
    unknown = tags - KNOWN_TAGS
    stub_tags = {t for t in unknown if not (t.startswith("end") and t[3:] in unknown)}

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(CASES),
        autoescape=jinja2.select_autoescape(enabled_extensions=(), disabled_extensions=NO_AUTOESCAPE,
                                            default_for_string=True, default=True),
        extensions=EXTENSIONS + [stub_extension(stub_tags)],
        undefined=contract_undefined(),
    )
    env.install_null_translations(newstyle=True)

    def undefined_as_empty(o):
        if isinstance(o, jinja2.Undefined):
            return ""
        raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")

    env.policies["json.dumps_kwargs"] = dict(env.policies["json.dumps_kwargs"], default=undefined_as_empty)

    def s(v):
        return "" if isinstance(v, jinja2.Undefined) else str(v)

    def lookup(name):
        return str(urls.get(s(name), "#"))

    def url_for(endpoint, *, _anchor=None, _method=None, _scheme=None, _external=None, **values):
        if s(endpoint) != "static":
            return lookup(endpoint)
        url = "/static/" + quote(s(values.pop("filename", "")), safe="!$&'()*+,/:;=@")
        pairs = []
        for key, value in values.items():
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if item is not None:
                    pairs.append((key, s(item)))
        if pairs:
            url += "?" + urlencode(pairs, safe="!$'()*,/:;?@")
        if _anchor is not None:
            url += "#" + quote(s(_anchor), safe="%!#$&'()*+,/:;=?@")
        return url

    env.globals.update(
        url_for=url_for,
        get_flashed_messages=lambda *a, **k: [],
        static=lambda path: django_static(s(path)),
        url=lambda name, *a, **k: lookup(name),
    )
    for name in ("config", "request", "session", "g"):
        env.globals[name] = env.undefined(name=name)

    def sees_empty(f):
        first = 1 if getattr(f, "jinja_pass_arg", None) is not None else 0

        @functools.wraps(f)
        def wrapped(*args, **kwargs):
            if len(args) > first and isinstance(args[first], jinja2.Undefined):
                args = args[:first] + ("",) + args[first + 1:]
            return f(*args, **kwargs)

        return wrapped

    for name, f in list(env.filters.items()):
        if name not in ("default", "d"):
            env.filters[name] = sees_empty(f)
    for name in filters - set(env.filters):
        env.filters[name] = lambda value, *a, **k: value
    for name in tests - set(env.tests):
        env.tests[name] = lambda value, *a, **k: False

    os.makedirs(OUT, exist_ok=True)
    for entry in sorted(os.listdir(CASES)):
        path = os.path.join(CASES, entry)
        if not os.path.isfile(path) or entry.endswith(".json"):
            continue
        ctx_path = os.path.splitext(path)[0] + ".json"
        ctx = {}
        if os.path.exists(ctx_path):
            with open(ctx_path, encoding="utf-8") as fh:
                ctx = json.load(fh, object_pairs_hook=lambda pairs: dict(sorted(pairs)))
        try:
            text = env.get_template(entry).render(ctx)
        except Exception as e:  # noqa: BLE001 - a refusal is an expected outcome too
            with open(os.path.join(OUT, entry + ".error"), "w", encoding="utf-8") as fh:
                fh.write(f"{type(e).__name__}: {e}\n")
            continue
        with open(os.path.join(OUT, entry), "w", encoding="utf-8", newline="") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
