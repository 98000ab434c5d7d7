"""Fixtures for the server tests; the server harness itself is in ``harness.py``."""

from __future__ import annotations

import pytest

from tests.server.harness import start_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    from triforce.server.settings import ServerSettings

    server = start_server(tmp_path_factory.mktemp("server"),
                          settings=ServerSettings(port=0, per_client_concurrency=64,
                                                  worker_threads=64, max_body_bytes=256 * 1024))
    yield server
    server.stop()
