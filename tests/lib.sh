# Shared helpers for tests/checks/*.sh: source it. Each check installs what it needs with
# need_apt / need_pip / need_npm (idempotent; apt only as root), works in a scratch folder
# under target/, and exits non-zero on failure with a line saying what failed.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TOOLS=$ROOT/.ci/tools
BIN=$ROOT/target/release/downpage
_apt_updated=

need_apt() { # need_apt PKG...: installs Debian packages that are missing
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" != 0 ]; then echo "missing packages (install as root): ${missing[*]}" >&2; return 1; fi
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$_apt_updated" ]; then apt-get update -qq; _apt_updated=1; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

need_pip() { # need_pip VENV PKG==VER...: a venv under .ci/tools with these packages
  local venv=$TOOLS/$1; shift
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  local stamp="$venv/.installed-$(echo "$*" | cksum | cut -d' ' -f1)"
  [ -e "$stamp" ] && return 0
  "$venv/bin/pip" install -q --disable-pip-version-check "$@" && touch "$stamp"
}

need_dialects_venv() { # the real Django and Jinja2 the dialect checks compare with; sets DIALECTS_PY
  need_pip venv-dialects "Django>=5.2,<5.3" "Jinja2>=3.1,<3.2" "Babel>=2.14,<3"
  DIALECTS_PY=$TOOLS/venv-dialects/bin/python
}

need_npm() { # need_npm PKG@VER...: node_modules under .ci/tools
  mkdir -p "$TOOLS"
  local stamp="$TOOLS/.npm-$(echo "$*" | cksum | cut -d' ' -f1)"
  [ -e "$stamp" ] && return 0
  (cd "$TOOLS" && { [ -e package.json ] || npm init -y >/dev/null; } && npm install -s --no-audit --no-fund "$@") && touch "$stamp"
}

need_release_binary() { # builds target/release/downpage when missing or stale
  (cd "$ROOT" && cargo build --locked --release -q)
}

scratch() { # scratch NAME: a fresh world-readable folder under target/checks
  local d=$ROOT/target/checks/$1
  rm -rf "$d"; mkdir -p "$d"; chmod 755 "$ROOT/target" "$ROOT/target/checks" "$d"
  echo "$d"
}

fail() { echo "FAIL: $*" >&2; exit 1; }

# The image budget (issue 14), held for each platform by tests/checks/size.sh, container.sh and
# multiarch.sh: the image within 3,000,000 bytes uncompressed and 1.5 MiB as its
# gzip-compressed layer. It lives here only; README.md and docs/deploy.md quote it.
IMAGE_MAX_BYTES=3000000
IMAGE_MAX_GZIP=1572864   # 1.5 MiB
check_image_size() { # check_image_size WHAT UNCOMPRESSED COMPRESSED: fails above the budget
  local what=$1 unc=$2 comp=$3
  ((unc <= IMAGE_MAX_BYTES)) || fail "$what is $unc bytes uncompressed, over the $IMAGE_MAX_BYTES-byte budget (compressed: $comp): find what grew (cargo bloat, or git bisect on tests/checks/size.sh)"
  ((comp <= IMAGE_MAX_GZIP)) || fail "$what is $comp bytes compressed, over the $IMAGE_MAX_GZIP-byte budget (uncompressed: $unc): find what grew (cargo bloat, or git bisect on tests/checks/size.sh)"
  echo "$what: within budget, $((IMAGE_MAX_BYTES - unc)) bytes uncompressed and $((IMAGE_MAX_GZIP - comp)) bytes compressed to spare"
}
