#!/usr/bin/env bash
# A real llama-server for the `openai` backend tests (tests/backends), built
# offline from the llama.cpp that the llama-cpp-python sdist vendors. The build
# takes ~9 minutes on 2 cores, so the result is cached OUTSIDE the repo:
#   ~/.cache/triforce/llama-server-<version>/bin/llama-server
#   ~/.cache/triforce/llama-server-<version>/llama.cpp/   (convert_*.py, gguf-py)
# Idempotent: does nothing when the binary is already there. Tests skip with a
# clear reason when it is absent (TRIFORCE_LLAMA_SERVER overrides the path).
set -euo pipefail

VERSION="${TRIFORCE_LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
CACHE="${TRIFORCE_CACHE:-$HOME/.cache/triforce}"
DEST="$CACHE/llama-server-$VERSION"
BIN="$DEST/bin/llama-server"

if [ -x "$BIN" ] && [ -f "$DEST/llama.cpp/convert_hf_to_gguf.py" ]; then
  exit 0
fi

for tool in cmake c++ python; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "warning: $tool not found; llama-server tests will skip" >&2
    exit 0
  fi
done

mkdir -p "$DEST"
WORK="$(mktemp -d "$CACHE/build-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "downloading llama-cpp-python==$VERSION sdist"
if ! python -m pip download -q --no-deps --no-binary llama-cpp-python "llama-cpp-python==$VERSION" -d "$WORK/sdist"; then
  echo "warning: cannot download the llama-cpp-python sdist; llama-server tests will skip" >&2
  exit 0
fi
tar -xzf "$WORK"/sdist/llama_cpp_python-"$VERSION".tar.gz -C "$WORK"
SRC="$WORK/llama_cpp_python-$VERSION/vendor/llama.cpp"

JOBS="$(nproc 2>/dev/null || echo 2)"
echo "building llama-server (llama.cpp vendored in llama-cpp-python $VERSION, $JOBS jobs)"
cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  > "$WORK/cmake.log" 2>&1 || { tail -40 "$WORK/cmake.log" >&2; echo "warning: cmake configure failed; llama-server tests will skip" >&2; exit 0; }
# A cap keeps a slow or overloaded machine inside CI's time budget: the
# llama-server tests then skip and the next run builds again.
BUILD_LIMIT="${TRIFORCE_LLAMA_BUILD_TIMEOUT:-1800}"
timeout "$BUILD_LIMIT" cmake --build "$WORK/build" --target llama-server -j "$JOBS" > "$WORK/build.log" 2>&1 \
  || { tail -40 "$WORK/build.log" >&2; echo "warning: llama-server build failed or passed ${BUILD_LIMIT}s; llama-server tests will skip" >&2; exit 0; }

# Keep the conversion scripts and gguf-py beside the binary (the tests convert
# their tiny model and adapters with exactly this version).
rm -rf "$DEST/llama.cpp" "$DEST/bin"
mkdir -p "$DEST/bin" "$DEST/llama.cpp"
cp "$WORK/build/bin/llama-server" "$DEST/bin/llama-server.tmp"
cp -r "$SRC"/convert_hf_to_gguf.py "$SRC"/convert_lora_to_gguf.py "$SRC"/gguf-py "$DEST/llama.cpp/"
[ -d "$SRC/conversion" ] && cp -r "$SRC/conversion" "$DEST/llama.cpp/" || true
mkdir -p "$DEST/llama.cpp/models"
[ -d "$SRC/models/templates" ] && cp -r "$SRC/models/templates" "$DEST/llama.cpp/models/" || true
echo "$VERSION" > "$DEST/VERSION"
mv "$DEST/bin/llama-server.tmp" "$BIN"
echo "llama-server ready: $BIN"
