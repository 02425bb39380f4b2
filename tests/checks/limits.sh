#!/usr/bin/env bash
# Bad values at scale, with the release binary: 100,000 pages through DOWNPAGE_PAGES_FILE
# (compact and JSON forms), a value at the kernel's 128 KiB limit, JSON nested 60,000 deep in
# the environment and 1,000,000 deep in a page list file. Each must succeed or fail with one
# clean error line, in bounded memory: the peak RSS of each run is printed and must stay under
# DOWNPAGE_MAX_RSS_MB (default 1024).
source "$(dirname "$0")/../lib.sh"
need_release_binary
work=$(scratch limits)
max_rss_mb=${DOWNPAGE_MAX_RSS_MB:-1024}
cd "$work"
mkdir t
printf '<!DOCTYPE html><title>{{ code | default(value=0) }}</title><p>{{ dest | safe }} {{ n | default(value="") }}</p>\n' > t/page.html
python3 - <<'PY'
import json
with open("pages.txt", "w") as f:
    for i in range(100_000):
        f.write(f"d{i % 100}/p{i}.html=page.html\n")
with open("pages.json", "w") as f:
    json.dump([[f"j{i % 100}/{i}.html", "page.html", {"n": i}] for i in range(100_000)], f)
with open("deep.json", "w") as f:
    n = 1_000_000
    f.write('[["x.html", "page.html", {"a": ' + "[" * n + "1" + "]" * n + "}]]")
PY

# measure NAME EXPECT(ok|fail) NEEDLE ENV...: runs the binary with only ENV, prints peak RSS.
measure() {
  local name=$1 expect=$2 needle=$3; shift 3
  python3 - "$BIN" "$name" "$expect" "$needle" "$max_rss_mb" "$@" <<'PY'
import os, resource, subprocess, sys, time
binary, name, expect, needle, max_rss = sys.argv[1:6]
env = dict(kv.split("=", 1) for kv in sys.argv[6:])
for k, v in list(env.items()):
    if v.startswith("@"):
        env[k] = open(v[1:]).read()
start = time.monotonic()
p = subprocess.run([binary], env=env, capture_output=True, text=True)
secs = time.monotonic() - start
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
err = p.stderr.strip()
print(f"{name}: exit {p.returncode}, {secs:.1f} s, peak RSS {rss_mb:.1f} MB: {err[:150]}")
ok = (p.returncode == 0) == (expect == "ok")
ok = ok and needle in err and len(err.splitlines()) == 1 and "panicked" not in err
if not ok:
    sys.exit(f"FAIL: {name}: expected {expect} with {needle!r}")
if rss_mb > float(max_rss):
    sys.exit(f"FAIL: {name}: peak RSS {rss_mb:.0f} MB is over {max_rss} MB")
PY
}

python3 -c "
name='DOWNPAGE_VAR_BIG'; print('x' * (32 * 4096 - len(name) - 2), end='')" > big.txt
python3 -c "print('{\"a\":' + '[' * 60000 + '1' + ']' * 60000 + '}', end='')" > deep-env.txt

measure "zero config" ok "wrote 4 pages" DOWNPAGE_OUTPUT_DIR=zero
measure "100,000 pages, compact list file" ok "wrote 100000 pages" \
  DOWNPAGE_OUTPUT_DIR=out DOWNPAGE_TEMPLATE_DIR=t DOWNPAGE_PAGES_FILE=pages.txt
measure "100,000 pages again, all unchanged" ok "0 changed, 100000 unchanged" \
  DOWNPAGE_OUTPUT_DIR=out DOWNPAGE_TEMPLATE_DIR=t DOWNPAGE_PAGES_FILE=pages.txt
measure "100,000 pages, JSON list file with a context each" ok "wrote 100000 pages" \
  DOWNPAGE_OUTPUT_DIR=json DOWNPAGE_TEMPLATE_DIR=t DOWNPAGE_PAGES_FILE=pages.json
measure "a 128 KiB value (MAX_ARG_STRLEN)" ok "wrote 4 pages" \
  DOWNPAGE_OUTPUT_DIR=big DOWNPAGE_VAR_BIG=@big.txt
measure "JSON nested 60,000 deep in DOWNPAGE_CONTEXT" fail "recursion limit exceeded" \
  DOWNPAGE_OUTPUT_DIR=deep DOWNPAGE_CONTEXT=@deep-env.txt
measure "JSON nested 1,000,000 deep in a page list file" fail "recursion limit exceeded" \
  DOWNPAGE_OUTPUT_DIR=deep DOWNPAGE_TEMPLATE_DIR=t DOWNPAGE_PAGES_FILE=deep.json
measure "/dev/zero as the page list file" fail "larger than 64 MiB" \
  DOWNPAGE_OUTPUT_DIR=deep DOWNPAGE_PAGES_FILE=/dev/zero
[ "$(find out -type f | wc -l)" = 100000 ] || fail "expected 100000 pages in out"
[ -z "$(find . -name '.downpage-tmp-*')" ] || fail "temporary files left"
echo "limits: ok"
