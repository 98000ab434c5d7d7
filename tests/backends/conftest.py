"""Test helpers live in tests/fixtures (fake servers, tiny-model builders)."""

from __future__ import annotations

import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
if str(FIXTURES) not in sys.path:
    sys.path.insert(0, str(FIXTURES))

import importlib.util
import os
import socket
import subprocess
import time

import pytest

# Keep in step with scripts/setup.d/30-llama-server.sh (the pinned llama-cpp-python sdist).
LLAMA_CPP_PYTHON_VERSION = "0.3.36"


def cache_root() -> Path:
    return Path(os.environ.get("TRIFORCE_CACHE") or Path.home() / ".cache" / "triforce")


def llama_server_dir() -> Path:
    return cache_root() / f"llama-server-{LLAMA_CPP_PYTHON_VERSION}"


def llama_server_binary() -> Path | None:
    explicit = os.environ.get("TRIFORCE_LLAMA_SERVER")
    path = Path(explicit) if explicit else llama_server_dir() / "bin" / "llama-server"
    return path if path.is_file() and os.access(path, os.X_OK) else None


def _need_ml_stack() -> None:
    missing = [m for m in ("torch", "transformers", "peft", "tokenizers") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (pip install 'triforce[local]' tokenizers)")


@pytest.fixture(scope="session")
def tiny_models():
    """Tiny Qwen2 model + two LoRA adapters (HF/PEFT), built once and cached."""
    _need_ml_stack()
    from tiny_models import ensure_hf

    return ensure_hf()


@pytest.fixture(scope="session")
def tiny_gguf(tiny_models):
    """The same model and adapters as f32 GGUF, converted with the cached llama.cpp scripts."""
    binary = llama_server_binary()
    scripts = llama_server_dir() / "llama.cpp"
    if binary is None or not (scripts / "convert_hf_to_gguf.py").is_file():
        pytest.skip(f"llama-server not built: run scripts/setup.d/30-llama-server.sh "
                    f"(expects {llama_server_dir()})")
    from tiny_models import ensure_gguf

    return ensure_gguf(scripts)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process, self.url, self.log = process, url, log

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture(scope="module")
def llama_server(tiny_gguf, tmp_path_factory):
    """A real llama-server with the tiny base and `--lora din.gguf,nayru.gguf`."""
    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    adapters = ",".join(str(tiny_gguf.gguf_adapter(n)) for n in ("din", "nayru"))
    argv = [str(llama_server_binary()), "-m", str(tiny_gguf.gguf_base), "--lora", adapters,
            "--lora-init-without-apply", "--host", "127.0.0.1", "--port", str(port),
            "-c", "512", "-np", "1", "-t", "1", "--jinja"]
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    server = LlamaServer(process, f"http://127.0.0.1:{port}", log)
    import httpx

    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama-server exited ({process.returncode}):\n{server.log_text()[-3000:]}")
            try:
                if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama-server did not become healthy:\n{server.log_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
