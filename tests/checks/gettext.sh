#!/usr/bin/env bash
# The site's gettext catalogs, side by side with the real tools: catalogs written by the test
# (tests/helpers/gettext_ref.py: English, French, Polish, Arabic, Japanese, Russian, Welsh with
# a non-default rule, pt_BR, zh_Hans, de and pl with a fuzzy header, de_AT over two folders;
# contexts, fuzzy, obsolete and untranslated entries, multi-line and escaped strings) are
# compiled with GNU msgfmt, then looked up with Python's gettext.GNUTranslations for every
# msgid, context and n = 0..200 (and a few larger). downpage's answers
# (examples/gettext_lookup.rs) must be byte-equal: from the .mo files, from the .po files
# alone, from a mix of both, from big-endian .mo files, and where a stale .po sits beside its
# .mo (the .mo wins).
# Plural-Forms expressions (the families, odd ones, invalid ones and 400 random ones) are
# compared with Python's gettext.c2py for the same n. Malformed .po files are refused by
# both downpage and msgfmt at the same line; truncated .mo files by both downpage and Python.
# Last, every .mo the gettext packages install is read whole by both.
source "$(dirname "$0")/../lib.sh"
need_apt gettext python3
work=$(scratch gettext)
ref() { python3 "$ROOT/tests/helpers/gettext_ref.py" "$@"; }
(cd "$ROOT" && cargo build -q --locked --example gettext_lookup)
ours() { "$ROOT/target/debug/examples/gettext_lookup" "$@"; }

ref write "$work/src"
cd "$work/src"
# A stale .po beside its .mo: the .mo is what runs.
mkdir -p A/it/LC_MESSAGES
cp A/fr/LC_MESSAGES/messages.po A/it/LC_MESSAGES/messages.po
for po in $(find A B -name '*.po' | sort); do
  msgfmt -o "${po%.po}.mo" "$po" || fail "msgfmt refused $po"
done
sed -i 's/fr é/STALE/' A/it/LC_MESSAGES/messages.po

tree() { # tree NAME: a copy of the catalogs
  rm -rf "$work/$1"; cp -r "$work/src" "$work/$1"; echo "$work/$1"
}
both=$work/src
mo=$(tree mo); find "$mo" -name '*.po' -delete
po=$(tree po); find "$po" -name '*.mo' -delete; rm -r "$po/A/it"
mixed=$(tree mixed); rm -r "$mixed/A/it"
for f in A/fr A/pl A/ar A/de B/de_AT; do rm "$mixed/$f/LC_MESSAGES/messages.mo"; done
for f in A/en A/ja A/ru A/cy A/pt_BR A/zh_Hans B/de B/fr; do rm "$mixed/$f/LC_MESSAGES/messages.po"; done
# The same catalogs compiled big-endian (msgfmt --endianness=big), without the .po files.
big=$(tree big); find "$big" -name '*.mo' -delete; rm -r "$big/A/it"
for f in $(cd "$big" && find A B -name '*.po' | sort); do
  msgfmt --endianness=big -o "$big/${f%.po}.mo" "$big/$f" || fail "msgfmt refused $f"
  rm "$big/$f"
done
grep -v '"lang": "it"' queries.jsonl >queries-no-it.jsonl

queries=$(wc -l <queries.jsonl)
ref lookup messages queries.jsonl "$both/A" "$both/B" >py.txt
ref lookup messages queries-no-it.jsonl "$both/A" "$both/B" >py-no-it.txt
# The reference really translates: at least 40% of the answers differ from the msgid.
translated=$(python3 - <<'PY'
import json
qs = [json.loads(l) for l in open("queries.jsonl")]
ans = [bytes.fromhex(l.strip()).decode() for l in open("py.txt")]
print(sum(a != (q["id"] if q["n"] in (None, 1) else q["plural"]) for q, a in zip(qs, ans)))
PY
)
((translated * 5 > queries * 2)) || fail "only $translated of $queries reference answers are translations"

compare() { # compare NAME QUERIES EXPECTED DIR...
  local name=$1 q=$2 want=$3; shift 3
  ours lookup messages "$q" "$@" >"ours-$name.txt" || fail "$name: downpage failed"
  if ! cmp -s "$want" "ours-$name.txt"; then
    python3 - "$q" "$want" "ours-$name.txt" <<'PY' >&2
import json, sys
qs = open(sys.argv[1]).read().splitlines()
a, b = open(sys.argv[2]).read().splitlines(), open(sys.argv[3]).read().splitlines()
bad = [(q, x, y) for q, x, y in zip(qs, a, b) if x != y]
print(f"{len(bad)} of {len(qs)} answers differ; first ones:")
for q, x, y in bad[:5]:
    print(" ", q, "\n    python:  ", repr(bytes.fromhex(x).decode()), "\n    downpage:", repr(bytes.fromhex(y).decode()))
PY
    fail "$name: downpage's answers differ from Python's GNUTranslations"
  fi
  echo "  $name: $(wc -l <"$q") lookups byte-equal"
}
compare mo+po queries.jsonl py.txt "$both/A" "$both/B"
compare mo-only queries.jsonl py.txt "$mo/A" "$mo/B"
compare po-only queries-no-it.jsonl py-no-it.txt "$po/A" "$po/B"
compare mixed queries-no-it.jsonl py-no-it.txt "$mixed/A" "$mixed/B"
compare big-endian queries-no-it.jsonl py-no-it.txt "$big/A" "$big/B"

ref plural plurals.jsonl >py-plural.txt
ours plural plurals.jsonl >ours-plural.txt
if ! cmp -s py-plural.txt ours-plural.txt; then
  diff <(paste -d'\n' plurals.jsonl py-plural.txt) <(paste -d'\n' plurals.jsonl ours-plural.txt) | head -20 >&2 || true
  fail "Plural-Forms values differ from Python's c2py"
fi
exprs=$(wc -l <plurals.jsonl)
rejected=$(grep -c '^REJECT$' py-plural.txt || true)
echo "  plural: $exprs expressions ($rejected refused by both) x $(python3 -c 'import json,sys;print(len(json.loads(open(sys.argv[1]).readline())["ns"]))' plurals.jsonl) values of n, equal to c2py"

# Malformed catalogs: the same line as msgfmt; a truncated .mo refused like Python refuses it.
bad=$work/bad
i=0
while IFS= read -r -d '' case; do
  i=$((i + 1))
  rm -rf "$bad"; mkdir -p "$bad/xx/LC_MESSAGES"
  printf '%b' "$case" >"$bad/xx/LC_MESSAGES/messages.po"
  echo '{"lang": "xx", "ctx": null, "id": "a", "plural": null, "n": null}' >"$bad/q.jsonl"
  msg_line=$(msgfmt -o /dev/null "$bad/xx/LC_MESSAGES/messages.po" 2>&1 | sed -n 's/^.*messages\.po:\([0-9]*\):.*/\1/p' | head -1 || true)
  [ -n "$msg_line" ] || fail "malformed case $i: msgfmt accepted it"
  if err=$(ours lookup messages "$bad/q.jsonl" "$bad" 2>&1); then fail "malformed case $i: downpage accepted it"; fi
  echo "$err" | grep -q "messages.po: not a valid .po catalog: line $msg_line:" ||
    fail "malformed case $i: msgfmt says line $msg_line, downpage: $err"
done < <(printf '%s\0' \
  'msgid "a"\nmsgstr "b"\n\nmsgid "c"\nmsgstr[0] "d"\n' \
  'msgid "a"\nmsgstr "b"\nmsgid "a"\nmsgstr "c"\n' \
  'msgid "a"\nmsgid_plural "as"\nmsgstr[0] "b"\nmsgstr[2] "c"\n' \
  'msgid "a"\nmsgstr "b"\nbogus "c"\n' \
  'msgid "a"\n\n# c\nmsgid "b"\nmsgstr "c"\n' \
  'msgid "a"\nmsgstr "\\q"\n' \
  'msgid "a"\nmsgid_plural "b"\nmsgstr "c"\n')
echo "  malformed .po: $i cases refused at msgfmt's line"
mo_file=$both/A/fr/LC_MESSAGES/messages.mo
for cut in 3 19 100 $(($(stat -c %s "$mo_file") - 1)); do
  rm -rf "$bad"; mkdir -p "$bad/xx/LC_MESSAGES"
  head -c "$cut" "$mo_file" >"$bad/xx/LC_MESSAGES/messages.mo"
  echo '{"lang": "xx", "ctx": null, "id": "a", "plural": null, "n": null}' >"$bad/q.jsonl"
  python3 -c 'import gettext,sys; gettext.GNUTranslations(open(sys.argv[1],"rb"))' "$bad/xx/LC_MESSAGES/messages.mo" 2>/dev/null &&
    fail "Python accepted a .mo cut at $cut bytes"
  if err=$(ours lookup messages "$bad/q.jsonl" "$bad" 2>&1); then fail "downpage accepted a .mo cut at $cut bytes"; fi
  echo "$err" | grep -q "messages.mo: not a valid .mo catalog: byte offset [0-9]*:" ||
    fail ".mo cut at $cut bytes: the error names no offset: $err"
done
echo "  truncated .mo: 4 cuts refused by Python and downpage (with the offset)"
# Real catalogs: every .mo the gettext packages install, read whole (every message and the
# plural values for n = 0..200) by downpage and by Python; those in another charset than
# UTF-8 must be refused with the message that says to convert them.
mapfile -t real < <(dpkg -L gettext gettext-base | grep '\.mo$' | sort)
((${#real[@]} >= 20)) || fail "only ${#real[@]} .mo files in the gettext packages"
ref dump "${real[@]}" >py-real.txt
ours dump "${real[@]}" >ours-real.txt
python3 - py-real.txt ours-real.txt <<'PY' || fail "real catalogs: downpage reads them differently from Python"
import sys
def load(p):
    d, cur = {}, None
    for line in open(p, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("== "):
            cur = line[3:]; d[cur] = []
        else:
            d[cur].append(line)
    return d
py, ours = load(sys.argv[1]), load(sys.argv[2])
same = refused = 0
for f in py:
    if py[f] == ours[f]:
        same += 1
    elif ours[f][0].startswith("ERROR") and "convert it with msgconv" in ours[f][0]:
        refused += 1
    else:
        sys.exit(f"{f}: differs: {ours[f][:1]}")
print(f"  real catalogs: {same} .mo files of the gettext packages read as Python reads them, {refused} in legacy charsets refused")
PY
echo "gettext: $queries lookups x 5 layouts and $exprs plural expressions equal to Python's gettext; msgfmt-compiled catalogs"
