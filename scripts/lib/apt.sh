# Sourced by scripts/setup.d/*.sh: install Debian packages for a group of tests,
# or warn and let those tests skip (a missing tool must not stop the whole run).
#   apt_install_or_warn "what skips" PACKAGE...
apt_install_or_warn() {
  local purpose="$1"; shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: apt-get not available; $purpose will skip (need: $*)" >&2
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "warning: not root and no sudo; $purpose will skip (need: $*)" >&2
      return 0
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package lists only when apt does not know a package yet.
  local pkg
  for pkg in "$@"; do
    if ! apt-cache show "$pkg" >/dev/null 2>&1; then
      $sudo apt-get update -q || echo "warning: apt-get update failed" >&2
      break
    fi
  done
  $sudo apt-get install -y -q --no-install-recommends "$@" \
    || echo "warning: could not install $*; $purpose will skip" >&2
}
