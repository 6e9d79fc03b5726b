#!/usr/bin/env bash
# What the dashboard's browser tests need (tests/web/test_browser.py), installed when missing:
#   - Debian's headless Chromium (`chromium`, `chromium-driver`), through apt-get as root;
#     Playwright drives it as it is: never `playwright install`, no browser download;
#   - axe-core from npm into .cache/npm (git-ignored), where the tests look for axe.min.js
#     (npm itself from Debian's `npm` package when there is none).
# Safe to run again: it does nothing when everything is there. Any failure exits non-zero with
# the reason on stderr: scripts/test.sh then fails rather than skipping the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${VONK_CHROMIUM:-/usr/bin/chromium}
AXE_VERSION=4.14.1
AXE_DIR=.cache/npm
AXE_JS=$AXE_DIR/node_modules/axe-core/axe.min.js

die() { echo "browser_deps: $*" >&2; exit 1; }

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium chromium-driver)
[ -f "$AXE_JS" ] || command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}; installing needs root (apt-get install ${missing[*]})"
  command -v apt-get >/dev/null || die "missing ${missing[*]} and there is no apt-get"
  echo "browser_deps: installing Debian's ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die "apt-get update failed"
  apt-get install -y -qq "${missing[@]}" >&2 \
    || die "apt-get install ${missing[*]} failed"
fi
[ -x "$CHROMIUM" ] || die "no $CHROMIUM after installing"

if [ ! -f "$AXE_JS" ]; then
  echo "browser_deps: fetching axe-core $AXE_VERSION from npm into $AXE_DIR" >&2
  mkdir -p "$AXE_DIR"
  npm install --prefix "$AXE_DIR" --no-audit --no-fund --loglevel=error \
    "axe-core@$AXE_VERSION" >&2 || die "npm install axe-core@$AXE_VERSION failed"
  [ -f "$AXE_JS" ] || die "no $AXE_JS after npm install"
fi
