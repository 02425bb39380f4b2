"""Lists the asset references of an HTML page, with Python's own HTML parser (independent of
downpage's tokenizer), and checks a self-contained page.

usage: python3 page_refs.py list PAGE
         prints one reference per line: KIND<TAB>URL (KIND: tag.attr, style, or css)
       python3 page_refs.py self-contained PAGE ORIGINAL=ELEMENT-SELECTOR...
         fails when a reference is neither data: nor external (http:, https:), and checks
         that each image's inlined bytes equal ORIGINAL: `img#logo=path/logo.png` compares
         the <img id=logo> src; `css=path/bg.png` requires a data: URI in the CSS with those
         bytes.
"""
import base64
import html.parser
import re
import sys

URL_ATTRS = {"href", "src", "poster", "data", "action", "xlink:href"}
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.I)
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)


class Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs = []  # (kind, url, element id)
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRS:
                self.refs.append((f"{tag}.{name}", value.strip(), a.get("id")))
            elif name in ("srcset", "imagesrcset"):
                for cand in value.split(", "):
                    self.refs.append((f"{tag}.{name}", cand.strip().split(" ")[0], a.get("id")))
            elif name == "style":
                self.css(value, "style")
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.css(data, "css")

    def css(self, text, kind):
        for m in CSS_URL.finditer(text):
            self.refs.append((kind, next(g for g in m.groups() if g is not None), None))
        for m in CSS_IMPORT.finditer(text):
            self.refs.append((kind, next(g for g in m.groups() if g is not None), None))


def refs_of(path):
    p = Refs()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    return p.refs


def decode(url):
    head, _, payload = url.partition(",")
    assert head.endswith(";base64"), f"not a base64 data: URI: {head}"
    return base64.b64decode(payload.split("#")[0], validate=True)


def main():
    cmd, page, *checks = sys.argv[1:]
    refs = refs_of(page)
    if cmd == "list":
        for kind, url, _ in refs:
            print(f"{kind}\t{url}")
        return 0
    bad = [(k, u) for k, u, _ in refs
           if not u.startswith(("data:", "http://", "https://", "#")) and k != "a.href"]
    if bad:
        print(f"{page}: local references left: {bad}", file=sys.stderr)
        return 1
    # Nested CSS (an inlined @import) is itself a data: URI: look inside those too.
    css_data = [decode(u).decode() for k, u, _ in refs if u.startswith("data:text/css")]
    nested = []
    for text in css_data:
        p = Refs()
        p.css(text, "css")
        nested += p.refs
    for check in checks:
        target, _, original = check.partition("=")
        with open(original, "rb") as f:
            want = f.read()
        if target == "css":
            found = [u for k, u, _ in refs + nested if k == "css" and u.startswith("data:")]
            if not any(decode(u) == want for u in found):
                print(f"{page}: no data: URI in the CSS has the bytes of {original}", file=sys.stderr)
                return 1
        else:
            tag, _, ident = target.partition("#")
            found = [u for k, u, i in refs if k == f"{tag}.src" and i == ident]
            if len(found) != 1 or not found[0].startswith("data:") or decode(found[0]) != want:
                print(f"{page}: <{tag} id={ident}> is not the inlined bytes of {original}: {found[:1]!r:.120}",
                      file=sys.stderr)
                return 1
    print(f"{page}: self-contained, {len(refs)} references, {len(checks)} inlined files match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
