#!/usr/bin/env bash
# Headless Chromium (Debian package, /usr/bin/chromium) for the dashboard test
# (tests/server/test_dashboard_browser.py), driven by Playwright's client only:
# no `playwright install`, no browser download. Idempotent: does nothing when
# chromium is already there.
set -euo pipefail
source "$(dirname "$0")/../lib/apt.sh"

command -v chromium >/dev/null 2>&1 && exit 0
apt_install_or_warn "the dashboard browser test" chromium fonts-dejavu-core
