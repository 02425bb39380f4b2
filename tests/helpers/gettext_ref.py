"""The reference side of tests/checks/gettext.sh: writes test catalogs (our own msgids), and
answers lookups with Python's own gettext module (GNUTranslations over the .mo files msgfmt
compiled, c2py for Plural-Forms), in the same line format as examples/gettext_lookup.rs.

usage: python3 gettext_ref.py write OUT            .po trees, queries and plural expressions
       python3 gettext_ref.py lookup DOMAIN QUERIES DIR...
       python3 gettext_ref.py plural EXPRESSIONS
       python3 gettext_ref.py dump FILE...      (a .po is answered from the .mo beside it)
"""
import gettext
import json
import os
import random
import sys

DOMAIN = "messages"

# (folder, Plural-Forms, number of forms, a word in the language for the translations)
LANGS = {
    "en": ("nplurals=2; plural=(n != 1);", 2, "en"),
    "fr": ("nplurals=2; plural=(n > 1);", 2, "fr é"),
    "pl": ("nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);", 3, "pl ł"),
    "ar": ("nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;", 6, "ar عربي"),
    "ja": ("nplurals=1; plural=0;", 1, "ja 日本語"),
    "ru": ("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);", 3, "ru рус"),
    # A non-default rule (Welsh has 4 here, written without spaces and with extra parentheses).
    "cy": ("nplurals=4; plural=(n==1) ? 0 : (n==2) ? 1 : (n != 8 && n != 11) ? 2 : 3;", 4, "cy ŵ"),
    "pt_BR": ("nplurals=2; plural=(n > 1);", 2, "pt-br ã"),
    "zh_Hans": ("nplurals=1; plural=0;", 1, "zh 中文"),
    "de": ("nplurals=2; plural=(n != 1);", 2, "de ß"),
    "de_AT": ("nplurals=2; plural=(n != 1);", 2, "de-at ö"),
}

SINGLES = [
    "",  # gettext("") is the header (msgfmt leaves out its POT-Creation-Date)
    "Page not found",
    "Server error",
    "The server is down.\nWe are on it.",
    'Tab\there "quoted" back\\slash',
    "Only French has this",
    "Fuzzy one",
    "Never translated",
    "Old message",
]
PLURALS = [
    ("%(n)s minute", "%(n)s minutes"),
    ("One error", "%(count)s errors"),
    ("Dropped plural", "Dropped plurals"),
    ("Empty second form", "Empty second forms"),
]
CONTEXTS = [("button", "Back"), ("link", "Back"), (None, "Back")]
CONTEXT_PLURALS = [("files", "%d file", "%d files")]


def po_string(s, multiline=False):
    esc = s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    if multiline and "\n" in esc:
        parts = esc.split("\n")
        lines = [p + "\\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
        return '""\n' + "\n".join('"%s"' % p for p in lines)
    return '"%s"' % esc.replace("\n", "\\n")


def header(plural_forms, fuzzy):
    h = ("# Test catalog.\n" + ("#, fuzzy\n" if fuzzy else "") +
         'msgid ""\nmsgstr ""\n'
         '"Project-Id-Version: downpage-test\\n"\n'
         '"POT-Creation-Date: 2026-11-30 12:00+0000\\n"\n'
         '"Language-Team: none\\n"\n'
         '"MIME-Version: 1.0\\n"\n'
         '"Content-Type: text/plain; charset=UTF-8\\n"\n'
         '"Content-Transfer-Encoding: 8bit\\n"\n'
         '"Plural-Forms: %s\\n"\n\n' % plural_forms)
    return h


def catalog(lang, tag, plural_forms, nforms, word, only=None, fuzzy_header=False):
    """The .po text of one language; `only` limits the singular msgids translated."""
    out = [header(plural_forms, fuzzy_header)]
    for i, msgid in enumerate(SINGLES):
        if only is not None and msgid not in only:
            continue
        if msgid == "":
            continue
        if msgid == "Only French has this" and lang != "fr":
            continue
        if msgid == "Never translated":
            out.append("msgid %s\nmsgstr \"\"\n\n" % po_string(msgid))
            continue
        if msgid == "Old message":
            out.append("#, fuzzy\n#~ msgid %s\n#~ msgstr \"%s old\"\n\n" % (po_string(msgid), word))
            continue
        flags = "#, fuzzy\n" if msgid == "Fuzzy one" else ""
        translated = "%s [%s] %s" % (word, tag, msgid)
        out.append("#: templates/x.html:%d\n%s#| msgid \"previous\"\nmsgid %s\nmsgstr %s\n\n"
                   % (i + 1, flags, po_string(msgid, True), po_string(translated, True)))
    if only is not None:
        return "".join(out)
    for ctx, msgid in CONTEXTS:
        ctx_line = "msgctxt %s\n" % po_string(ctx) if ctx else ""
        out.append("%smsgid %s\nmsgstr %s\n\n" % (ctx_line, po_string(msgid), po_string("%s [%s] %s/%s" % (word, tag, ctx, msgid))))
    for singular, plural in PLURALS:
        forms = ["%s [%s] %s #%d" % (word, tag, singular, k) for k in range(nforms)]
        if singular == "Dropped plural":
            forms[0] = ""  # msgfmt leaves out an entry whose first form is empty
        if singular == "Empty second form" and nforms > 1:
            forms[1] = ""  # but keeps one whose later form is empty
        out.append("msgid %s\nmsgid_plural %s\n" % (po_string(singular), po_string(plural)))
        out.extend("msgstr[%d] %s\n" % (k, po_string(f)) for k, f in enumerate(forms))
        out.append("\n")
    for ctx, singular, plural in CONTEXT_PLURALS:
        out.append("msgctxt %s\nmsgid %s\nmsgid_plural %s\n" % (po_string(ctx), po_string(singular), po_string(plural)))
        out.extend("msgstr[%d] %s\n" % (k, po_string("%s [%s] %s:%s #%d" % (word, tag, ctx, singular, k))) for k in range(nforms))
        out.append("\n")
    return "".join(out)


def write(out):
    a, b = os.path.join(out, "A"), os.path.join(out, "B")

    def put(root, folder, text):
        d = os.path.join(root, folder, "LC_MESSAGES")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, DOMAIN + ".po"), "w", encoding="utf-8") as f:
            f.write(text)

    for folder, (pf, nforms, word) in LANGS.items():
        if folder == "de_AT":
            # Only the region's own words; the rest falls back to de (A's, then B's).
            put(b, folder, catalog(folder, "B", pf, nforms, word, only={"Server error"}))
            continue
        # German and Polish: a fuzzy header (as makemessages writes it); its Plural-Forms still applies.
        put(a, folder, catalog(folder, "A", pf, nforms, word, fuzzy_header=folder in ("de", "pl")))
    # A second folder: it only adds what the first one lacks.
    put(b, "de", catalog("de", "B", LANGS["de"][0], 2, "de-B", only={"Page not found", "Fuzzy one", "Never translated"}))
    put(b, "fr", catalog("fr", "B", LANGS["fr"][0], 2, "fr-B"))

    langs = ["en", "fr", "pl", "ar", "ja", "ru", "cy", "pt-br", "zh-hans", "de", "de-at", "it", "nl"]
    ns = list(range(0, 201)) + [1000, 1001, 1002, 1011, 1000000]
    with open(os.path.join(out, "queries.jsonl"), "w") as f:
        for lang in langs:
            for msgid in SINGLES + [s for s, _ in PLURALS]:
                f.write(json.dumps({"lang": lang, "ctx": None, "id": msgid, "plural": None, "n": None}) + "\n")
            for ctx, msgid in CONTEXTS + [("files", "%d file")]:
                f.write(json.dumps({"lang": lang, "ctx": ctx, "id": msgid, "plural": None, "n": None}) + "\n")
            for singular, plural in PLURALS + [("Back", "Backs"), ("Page not found", "Pages not found")]:
                for n in ns:
                    f.write(json.dumps({"lang": lang, "ctx": None, "id": singular, "plural": plural, "n": n}) + "\n")
            for ctx, singular, plural in CONTEXT_PLURALS + [("nope", "%d file", "%d files")]:
                for n in ns:
                    f.write(json.dumps({"lang": lang, "ctx": ctx, "id": singular, "plural": plural, "n": n}) + "\n")

    with open(os.path.join(out, "plurals.jsonl"), "w") as f:
        ns = list(range(0, 201)) + [1000, 1001, 1011, 1000000, 2**32]
        exprs = [pf.split("plural=")[1].rstrip(";") for pf, _, _ in LANGS.values()]
        exprs += [
            "n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2",  # Latvian
            "n==1 ? 0 : n==2 ? 1 : n<7 ? 2 : n<11 ? 3 : 4",  # Irish
            "(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3)",  # Slovenian
            "(n==1) ? 0 : (n>=2 && n<=4) ? 1 : 2",  # Czech
            "n && 5", "n || 5", "!n", "!!n", "!n == 1", "!n + 1", "!(n % 3) * 2",
            "n == 1 || !n == 2", "1 < n < 5", "n < 5 == 1", "n == 1 == 0", "n != 2 != 1",
            "(n - 5) % 3", "(n - 5) / 3", "n - 5", "7 / (n - 3)", "n % (n - n)", "n == 0 || 10 / n",
            "n / 0", "n ? n / 2 : 0", "n > 3 ? n > 5 ? 2 : 1 : 0", "n ? 1 : n ? 2 : 3",
            "((((((((((((((((((((n))))))))))))))))))))", "(((((((((((((((((((((n)))))))))))))))))))))",
            "n*n % 7", "007 + n", "n\t>\t1", " ( n ) ", "", "n +", "m", "n1", "1n", "(n", "n)",
            "n ? 1", "n = 1", "n & 1", "-1", "n + -1", "n + !n", "n == !n", "n ? !n : 2",
            "n !! 1", "nn", "n_", "n\n", "1 ? 2 : 3 ? 4 : 5", "(1 ? 2 : 3) + 4", "n" + " + n" * 300,
        ]
        rng = random.Random(15)
        ops = ["||", "&&", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"]

        def gen(depth):
            r = rng.random()
            if depth == 0 or r < 0.25:
                return rng.choice(["n", "n", str(rng.randint(0, 12))])
            if r < 0.35:
                return "!" + gen(depth - 1)
            if r < 0.5:
                return "(%s)" % gen(depth - 1)
            if r < 0.6:
                return "%s ? %s : %s" % (gen(depth - 1), gen(depth - 1), gen(depth - 1))
            return "%s %s %s" % (gen(depth - 1), rng.choice(ops), gen(depth - 1))

        exprs += [gen(4) for _ in range(400)]
        for e in exprs:
            f.write(json.dumps({"expr": e, "ns": ns}) + "\n")


def to_locale(language):
    """Django's to_locale (de-at -> de_AT, zh-hans -> zh_Hans)."""
    lang, _, country = language.lower().partition("-")
    if not country:
        return language[:3].lower() + language[3:]
    country, _, tail = country.partition("-")
    country = country.title() if len(country) > 2 else country.upper()
    if tail:
        country += "-" + tail
    return lang + "_" + country


def translations(domain, dirs, lang):
    """The language's .mo catalogs as Django finds them (gettext.find over each folder, the
    region's before the base language's), chained with add_fallback: the first catalog that
    translates a message wins."""
    found = []
    locale = to_locale(lang)
    for i, d in enumerate(dirs):
        for path in gettext.find(domain, d, [locale], all=True):
            folder = os.path.basename(os.path.dirname(os.path.dirname(path)))
            found.append((0 if folder == locale else 1, i, path))
    found.sort()
    t = gettext.NullTranslations()
    chain = None
    for _, _, path in found:
        with open(path, "rb") as f:
            g = gettext.GNUTranslations(f)
        if chain is None:
            t = chain = g
        else:
            chain.add_fallback(g)
    return t


def lookup(domain, queries, dirs):
    cache = {}
    out = []
    with open(queries) as f:
        for line in f:
            q = json.loads(line)
            if q["lang"] not in cache:
                cache[q["lang"]] = translations(domain, dirs, q["lang"])
            t = cache[q["lang"]]
            if q["plural"] is not None:
                if q["ctx"] is not None:
                    a = t.npgettext(q["ctx"], q["id"], q["plural"], q["n"])
                else:
                    a = t.ngettext(q["id"], q["plural"], q["n"])
            elif q["ctx"] is not None:
                a = t.pgettext(q["ctx"], q["id"])
            else:
                a = t.gettext(q["id"])
            out.append(a.encode("utf-8").hex())
    sys.stdout.write("".join(x + "\n" for x in out))


def plural(path):
    out = []
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            try:
                fn = gettext.c2py(e["expr"])
            except Exception:
                out.append("REJECT")
                continue
            values = []
            for n in e["ns"]:
                try:
                    values.append(str(fn(n)))
                except ZeroDivisionError:
                    values.append("ERR")
            out.append(" ".join(values))
    sys.stdout.write("".join(x + "\n" for x in out))


def dump(files):
    out = []
    for name in files:
        out.append("== %s" % name)
        path = name[:-3] + ".mo" if name.endswith(".po") else name
        try:
            with open(path, "rb") as f:
                t = gettext.GNUTranslations(f)
        except Exception as e:
            out.append("ERROR %s" % type(e).__name__)
            continue
        singles, plurals = {}, {}
        for key, value in t._catalog.items():
            if isinstance(key, tuple):
                plurals.setdefault(key[0], {})[key[1]] = value
            else:
                singles[key] = value
        hx = lambda s: s.encode("utf-8").hex()
        lines = ["S %s %s" % (hx(k), hx(v)) for k, v in singles.items()]
        lines += ["P %s %s" % (hx(k), " ".join(hx(v[i]) for i in range(len(v)))) for k, v in plurals.items()]
        lines.sort()
        values = []
        for n in range(201):
            try:
                values.append(str(t.plural(n)))
            except ZeroDivisionError:
                values.append("ERR")
        lines.append("plural " + " ".join(values))
        out.extend(lines)
    sys.stdout.write("".join(x + "\n" for x in out))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "write":
        write(sys.argv[2])
    elif cmd == "lookup":
        lookup(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "plural":
        plural(sys.argv[2])
    elif cmd == "dump":
        dump(sys.argv[2:])
    else:
        sys.exit(__doc__)
