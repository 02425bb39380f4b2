#!/usr/bin/env bash
# The site's translations in both dialects against the real engines, byte for byte: the
# catalogs of tests/dialects/i18n/make_catalogs.py (English, French, Polish, Arabic, Japanese,
# German and de_AT: five plural families, contexts, fuzzy entries and a fuzzy header, a
# regional fallback, messages only one language has; and Finnish, which the built-in theme
# does not have, so only the site's catalogs make it a language of the run) are compiled
# with GNU msgfmt; real Django 5.2 (LOCALE_PATHS) and real Jinja2 3.1 with Babel's
# Translations (newstyle gettext) render every case of tests/dialects/i18n/{django,jinja2}
# in each of the eight languages (tests/dialects/i18n/oracle.py). downpage renders the same
# cases in one run per dialect with DOWNPAGE_LANGS (one folder per language) and must write
# the same bytes — reading the .mo files alone, the .po files alone, and a mix (some
# languages .mo only, some .po only).
source "$(dirname "$0")/../lib.sh"
need_apt gettext
need_dialects_venv
[ -n "${DOWNPAGE_BIN:-}" ] && BIN=$DOWNPAGE_BIN || need_release_binary
W=$(scratch dialects-i18n)
DATA=$ROOT/tests/dialects/i18n
LANGS=en,fr,pl,ar,ja,de,de-at,fi
export SOURCE_DATE_EPOCH=946684800

python3 "$DATA/make_catalogs.py" "$W/src" || fail "writing the catalogs failed"
# Three layouts of the same catalogs, each with the Django domain and the Jinja2 one.
for layout in mo po mixed; do
  for dir in "$W"/src/*/; do
    lang=$(basename "$dir")
    mkdir -p "$W/$layout/$lang/LC_MESSAGES"
    for domain in django messages; do
      ext=$layout
      [ "$layout" = mixed ] && case $lang in fr|ar|de) ext=po ;; *) ext=mo ;; esac
      if [ "$ext" = po ]; then
        cp "$dir/LC_MESSAGES/site.po" "$W/$layout/$lang/LC_MESSAGES/$domain.po"
      else
        msgfmt -o "$W/$layout/$lang/LC_MESSAGES/$domain.mo" "$dir/LC_MESSAGES/site.po" ||
          fail "msgfmt refused $lang"
      fi
    done
  done
done
names=$(python3 - "$ROOT/src/builtin/catalog" "$LANGS" <<'PY'
import json, os, sys
# Django's LANGUAGES names: the built-in theme's name of each language in itself, and for a
# language it does not have (fi) the language code, as downpage names it.
names = {}
for lang in sys.argv[2].split(","):
    path = f"{sys.argv[1]}/{lang.split('-')[0]}.json"
    names[lang] = json.load(open(path, encoding="utf-8"))["name"] if os.path.exists(path) else lang
print(json.dumps(names))
PY
)

total=0; equal=0; bad=()
for dialect in django jinja2; do
  cases=$DATA/$dialect
  "$DIALECTS_PY" "$DATA/oracle.py" "$dialect" "$cases" "$W/mo" "$W/expected-$dialect" "$LANGS" "$names" ||
    fail "the $dialect oracle failed"
  "$DIALECTS_PY" - "$cases" > "$W/pages-$dialect.json" <<'PY'
import json, os, sys
cases = sys.argv[1]
pages = []
for name in sorted(os.listdir(cases)):
    if name.endswith(".html") and os.path.isfile(os.path.join(cases, name)):
        ctx = os.path.join(cases, name[:-5] + ".json")
        pages.append([name, name, json.load(open(ctx)) if os.path.exists(ctx) else {}])
print(json.dumps(pages))
PY
  ncases=$(ls "$cases"/*.html | wc -l)
  for layout in mo po mixed; do
    out=$W/actual-$dialect-$layout
    env -i PATH="$PATH" DOWNPAGE_SYNTAX=$dialect DOWNPAGE_TEMPLATE_DIR="$cases" \
      DOWNPAGE_PAGES_FILE="$W/pages-$dialect.json" DOWNPAGE_OUTPUT_DIR="$out" \
      DOWNPAGE_LANGS=en,fr,pl,ar,ja,de,de_AT,fi DOWNPAGE_LOCALE_DIR="$W/$layout" \
      SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" "$BIN" 2> "$W/stderr" ||
      { cat "$W/stderr" >&2; fail "downpage failed on the $dialect cases ($layout)"; }
    for f in "$W/expected-$dialect"/*/*.html; do
      rel=${f#"$W/expected-$dialect/"}
      total=$((total + 1))
      if cmp -s "$f" "$out/$rel"; then
        equal=$((equal + 1))
      else
        bad+=("$dialect/$layout/$rel")
        diff -u --label "$dialect/$rel" --label "downpage/$layout/$rel" "$f" "$out/$rel" | head -20 >&2 || true
      fi
    done
  done
  echo "dialects-i18n: $dialect: $ncases templates x 8 languages x 3 catalog layouts"
done
# The engines really translate: most pages differ between English and German.
differ=0
for f in "$W"/expected-*/en/*.html; do
  de=${f/\/en\//\/de\/}
  cmp -s "$f" "$de" || differ=$((differ + 1))
done
# Finnish, which only the site's catalogs have, really is translated too.
differ_fi=0
for f in "$W"/expected-*/en/*.html; do
  cmp -s "$f" "${f/\/en\//\/fi\/}" || differ_fi=$((differ_fi + 1))
done
echo "dialects-i18n: $equal/$total pages byte-equal; $differ templates render differently in de than in en, $differ_fi in fi"
((differ >= 30)) || fail "only $differ templates differ between en and de: the catalogs are not read"
((differ_fi >= 30)) || fail "only $differ_fi templates differ between en and fi: the fi catalogs are not read"
((${#bad[@]} == 0)) || fail "${#bad[@]} page(s) differ from the real engines: ${bad[*]:0:20}"
