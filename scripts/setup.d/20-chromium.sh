#!/usr/bin/env bash
# Headless Chromium (Debian package, /usr/bin/chromium) for the dashboard test
# (tests/server/test_dashboard_browser.py), driven by Playwright's client only:
# no `playwright install`, no browser download. Idempotent: does nothing when
# chromium is already there; refreshes the apt lists only when apt lacks it.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: apt-get not available; the dashboard browser test will skip (need: chromium)" >&2
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "warning: not root and no sudo; the dashboard browser test will skip (need: chromium)" >&2
    exit 0
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show chromium >/dev/null 2>&1; then
  $SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
