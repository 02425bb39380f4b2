#!/usr/bin/env bash
# Installs the tools the checks in tests/checks/ use, when missing. Idempotent; as root it uses
# apt-get, otherwise it only reports what is missing. Python tools go into .ci/tools/venv,
# npm packages into .ci/tools/node_modules (both ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(nginx curl file)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing packages (install them as root): ${missing[*]}" >&2
    exit 1
  fi
fi
