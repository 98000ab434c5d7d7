"""``triforce serve``: refuses unsafe binds; serves the mock backend from the command line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from triforce.cli.main import main
from triforce.server.settings import ServerSettings, check_settings, is_loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_non_loopback_bind_needs_an_api_key(host, capsys):
    assert main(["serve", "--host", host]) == 2
    assert "error[H001]" in capsys.readouterr().err
    codes = [d.code for d in check_settings(ServerSettings(host=host))]
    assert codes == ["H001"]
    assert check_settings(ServerSettings(host=host, api_key="a-long-enough-key")) == []


def test_loopback_addresses():
    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "127.0.0.2", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.org"))


def test_other_unsafe_settings_are_refused(capsys):
    assert main(["serve", "--api-key", "short"]) == 2
    assert "error[H002]" in capsys.readouterr().err
    codes = {d.code for d in check_settings(ServerSettings(cors_origins=("*",)))}
    assert codes == {"H005"}
    assert {d.code for d in check_settings(ServerSettings(max_tokens=0))} == {"H004"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_runs_the_mock_backend_from_the_command_line(tmp_path):
    port = _free_port()
    env = {**os.environ, "TRIFORCE_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "triforce", "serve", "--port", str(port), "--backend", "mock",
         "--log-level", "warning"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.2)
        reply = httpx.post(url + "/v1/chat/completions", timeout=60, json={
            "model": "triforce/din", "messages": [{"role": "user", "content": "hello"}]})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert "(mock reply)" in body["choices"][0]["message"]["content"]
        assert body["triforce"]["steps"][0]["backend"] == "mock"
        # The request went to the user's store (TRIFORCE_HOME), like the CLI's.
        assert (tmp_path / "data" / "triforce.db").exists()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_settings_from_the_server_config_section_and_flags():
    section = {"host": "127.0.0.2", "max-tokens": 100, "cors_origins": "https://a.example",
               "per_client_concurrency": 3, "unknown_key": 1}
    settings = ServerSettings.from_config(section, port=9000, host=None)
    assert (settings.host, settings.port, settings.max_tokens) == ("127.0.0.2", 9000, 100)
    assert settings.cors_origins == ("https://a.example",)
    assert settings.per_client_concurrency == 3
    assert ServerSettings.from_config(section, host="::1").host == "::1"   # flags win


def test_wrongly_typed_config_values_are_diagnosed_not_crashed(tmp_path, monkeypatch, capsys):
    (tmp_path / "triforce.toml").write_text('[server]\nport = "eighty"\nmax_tokens = true\n')
    monkeypatch.chdir(tmp_path)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("error[H006]") == 2 and "Traceback" not in err
