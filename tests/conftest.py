"""Shared fixtures: where ../shared lives, and a private per-test user home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The read-only shared data folder beside the checkout (never copied in)."""
    env = os.environ.get("TRIFORCE_SHARED")
    return Path(env) if env else REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if not path.is_dir():
        pytest.fail(f"shared data folder not found at {path}")
    return path


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory, monkeypatch):
    """Every test gets its own TRIFORCE_HOME so no test touches a real user store."""
    home = tmp_path_factory.mktemp("triforce-home")
    monkeypatch.setenv("TRIFORCE_HOME", str(home))
    monkeypatch.delenv("TRIFORCE_CONFIG", raising=False)
    yield home
