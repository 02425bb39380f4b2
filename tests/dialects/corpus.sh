#!/usr/bin/env bash
# Measures DOWNPAGE_SYNTAX=django|jinja2 on the template corpus (real projects' error pages;
# not in CI: the corpus is third-party files kept outside the project, see its README):
#   bash tests/dialects/corpus.sh [CORPUS_DIR] [dtl|jinja2]
# For every entry of manifest.json, renders it with target/release/downpage as the corpus
# README says, and compares with policy-expected/: byte-equal, equal after whitespace
# normalisation, different, or not rendered. Prints one line per entry that is not
# byte-equal, then the totals per dialect.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${1:-/work/shared/template-corpus}
ONLY=${2:-}
BIN=${DOWNPAGE_BIN:-$ROOT/target/release/downpage}
[ -x "$BIN" ] || (cd "$ROOT" && cargo build --release -q) || exit 1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
python3 - "$CORPUS" "$BIN" "$W" "$ONLY" <<'PY'
import json, os, re, subprocess, sys
corpus, binary, work, only = sys.argv[1:5]
manifest = json.load(open(os.path.join(corpus, "manifest.json")))
results = json.load(open(os.path.join(corpus, "policy-results.json")))
totals = {}
def norm(s):
    return re.sub(r"\s+", " ", s).strip()
for p in manifest["projects"]:
    dialect = p["dialect"]
    if only and dialect != only:
        continue
    syntax = "django" if dialect == "dtl" else "jinja2"
    t = totals.setdefault(dialect, {"entries": 0, "oracle": 0, "rendered": 0, "bytes": 0, "ws": 0})
    for e in p["entries"]:
        entry = e["path"]
        t["entries"] += 1
        expected_path = os.path.join(corpus, "policy-expected", dialect, p["key"], entry)
        has_expected = os.path.exists(expected_path)
        t["oracle"] += has_expected
        out = os.path.join(work, p["key"].replace("/", "_") + "_" + entry.replace("/", "_"))
        env = {"PATH": os.environ["PATH"], "DOWNPAGE_SYNTAX": syntax,
               "DOWNPAGE_TEMPLATE_DIR": os.path.join(corpus, p["templates_dir"]),
               "DOWNPAGE_PAGES": json.dumps([["out.html", entry]]), "DOWNPAGE_OUTPUT_DIR": out,
               "DOWNPAGE_URLS": "{}", "SOURCE_DATE_EPOCH": "946684800", "DOWNPAGE_LANG": "en",
               "DOWNPAGE_LOG_FORMAT": "json"}
        r = subprocess.run([binary], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            why = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "failed"
            state = "both fail" if not has_expected else "NOT RENDERED"
            print(f"{dialect} {p['key']} {entry}: {state}: {why}")
            continue
        t["rendered"] += 1
        # The stub warnings, against the oracle's list of stubs.
        kinds = {"library": "libraries", "tag": "tags", "filter": "filters", "test": "tests",
                 "function": "functions", "url": "urls"}
        got_stubs = {}
        for line in r.stderr.splitlines():
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("event") == "stub":
                got_stubs.setdefault(kinds[j["kind"]], {})[j["name"]] = [j["template"], j["line"]]
        want_stubs = results["projects"][p["key"]]["entries"].get(entry, {}).get("stubs", {})
        want_stubs = {k: {n: [w["template"], w["line"]] if isinstance(w, dict) else list(w) for n, w in v.items()}
                      for k, v in want_stubs.items()}
        t.setdefault("stubs_equal", 0)
        if got_stubs == want_stubs:
            t["stubs_equal"] += 1
        else:
            print(f"{dialect} {p['key']} {entry}: stubs differ: oracle {want_stubs} downpage {got_stubs}")
        got = open(os.path.join(out, "out.html"), encoding="utf-8").read()
        if not has_expected:
            print(f"{dialect} {p['key']} {entry}: rendered, but the oracle cannot render it")
            continue
        want = open(expected_path, encoding="utf-8").read()
        if got == want:
            t["bytes"] += 1
        elif norm(got) == norm(want):
            t["ws"] += 1
            print(f"{dialect} {p['key']} {entry}: equal after whitespace normalisation")
        else:
            a, b = norm(want), norm(got)
            i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
            print(f"{dialect} {p['key']} {entry}: DIFFERS at {i}: oracle {a[max(0,i-60):i+80]!r}")
            print(f"{' ' * len(dialect)} {' ' * len(p['key'])} {' ' * len(entry)}  downpage {b[max(0,i-60):i+80]!r}")
for d, t in totals.items():
    print(f"{d}: {t['entries']} entries, the oracle renders {t['oracle']}; downpage renders {t['rendered']}, "
          f"{t['bytes']} byte-equal, {t['ws']} more equal after whitespace normalisation "
          f"({t['bytes'] + t['ws']}/{t['oracle']}); stub lists equal for {t.get('stubs_equal', 0)}")
PY
