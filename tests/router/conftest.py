import pytest

from triforce.router import Router


@pytest.fixture(scope="session")
def router():
    """The shipped router (packaged routes + packaged fitted model + encoder)."""
    r = Router.load()
    if r.model is None or r.encoder() is None:
        pytest.fail(f"embedding router unavailable: {r.diagnostics} {r._encoder_error}")
    return r
