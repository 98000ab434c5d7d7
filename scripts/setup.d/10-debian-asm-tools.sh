#!/usr/bin/env bash
# Independent 65816 assemblers for the disassembler/assembler cross-check
# (tests/crosscheck): ca65 from cc65, and 64tass. Idempotent: does nothing when
# both are present.
set -euo pipefail
source "$(dirname "$0")/../lib/apt.sh"

missing=()
command -v ca65 >/dev/null 2>&1 || missing+=(cc65)
command -v 64tass >/dev/null 2>&1 || missing+=(64tass)
[ ${#missing[@]} -eq 0 ] && exit 0
apt_install_or_warn "the cross-check tests" "${missing[@]}"
