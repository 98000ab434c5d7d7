"""Configuration and per-user locations.

Config is TOML: ``triforce.toml`` in the current project overrides the user's
``$XDG_CONFIG_HOME/triforce/triforce.toml``, which overrides built-in defaults.
Each layer interprets its own section (``[router]``, ``[experts.NAME]``,
``[backends.NAME]``, ``[server]``, ``[defaults]``); this module only finds,
reads and merges the files. ``TRIFORCE_CONFIG`` names one file explicitly and
``TRIFORCE_HOME`` moves all per-user data (tests point it at a temp folder).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from triforce.diagnostics import Diagnostic, SourceSpan, error

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def user_config_dir() -> Path:
    home = os.environ.get("TRIFORCE_HOME")
    if home:
        return Path(home) / "config"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "triforce"


def user_data_dir() -> Path:
    """Per-user data: the statistics store, fitted router, caches."""
    home = os.environ.get("TRIFORCE_HOME")
    if home:
        return Path(home) / "data"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "triforce"


def default_store_path() -> Path:
    """The one SQLite store per user, shared by the CLI and the server."""
    return user_data_dir() / "triforce.db"


@dataclass
class Config:
    data: dict = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def section(self, *keys: str) -> dict:
        """Nested table ``keys`` or an empty dict; never raises."""
        node = self.data
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
            if node is None:
                return {}
        return node if isinstance(node, dict) else {}

    def get(self, *keys: str, default=None):
        *head, last = keys
        value = self.section(*head).get(last, default) if head else self.data.get(last, default)
        return value


def merge(base: dict, override: dict) -> dict:
    """Deep merge: tables merge key by key, everything else is replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def config_files(cwd: Path | None = None) -> list[Path]:
    explicit = os.environ.get("TRIFORCE_CONFIG")
    if explicit:
        return [Path(explicit)]
    cwd = cwd or Path.cwd()
    return [user_config_dir() / "triforce.toml", cwd / "triforce.toml"]


def load_config(paths: list[Path] | None = None) -> Config:
    """Read and merge config files (later files win). Bad files become diagnostics."""
    cfg = Config()
    for path in paths if paths is not None else config_files():
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            cfg.diagnostics.append(
                error("CFG001", f"cannot read config file: {exc}", SourceSpan(str(path)))
            )
            continue
        cfg.data = merge(cfg.data, data)
        cfg.sources.append(path)
    return cfg
