#!/usr/bin/env bash
# Independent 65816 assemblers for the disassembler/assembler cross-check
# (tests/crosscheck): ca65 from cc65, and 64tass. Idempotent: does nothing when
# both are present; refreshes the apt lists only when a package is unknown.
set -euo pipefail

missing=()
command -v ca65 >/dev/null 2>&1 || missing+=(cc65)
command -v 64tass >/dev/null 2>&1 || missing+=(64tass)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: apt-get not available; cross-check tests will skip (need: ${missing[*]})" >&2
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "warning: not root and no sudo; cross-check tests will skip (need: ${missing[*]})" >&2
    exit 0
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Only hit the network for the package lists when apt does not know a package yet.
needs_update=0
for pkg in "${missing[@]}"; do
  if ! apt-cache show "$pkg" >/dev/null 2>&1; then
    needs_update=1
  fi
done
if [ "$needs_update" -eq 1 ]; then
  $SUDO apt-get update -q || echo "warning: apt-get update failed" >&2
fi
# A failed install must not stop the whole test run: the cross-check tests then
# skip, naming the missing tool.
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  echo "warning: could not install ${missing[*]}; cross-check tests will skip" >&2
fi
