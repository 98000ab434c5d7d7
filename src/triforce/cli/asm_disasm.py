"""CLI commands (module being written; registers nothing yet)."""


def register(sub) -> None:
    return None
