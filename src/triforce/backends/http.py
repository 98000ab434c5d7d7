"""What the HTTP backends share: one httpx client, error mapping, retries.

Transport failures become :class:`BackendError` with a kind and a hint; only
failures that can pass (connection refused while a server starts, 502/503/504
while it loads a model) are retried, with exponential backoff, and only
before the first byte of a reply has been handed to the caller.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

import httpx

from triforce.backends.base import BackendError

RETRY_STATUS = frozenset({502, 503, 504})


class HttpBackend:
    """Base class: ``base_url``, timeouts, retries; subclasses add the API."""

    name = "http"
    default_url = "http://127.0.0.1"
    config_key = "backends.http"        # named in hints: where to fix a URL or timeout
    start_hint = "start the server"

    def __init__(self, base_url: str | None = None, *, timeout: float = 120.0,
                 connect_timeout: float = 2.0, retries: int = 2, backoff: float = 0.25,
                 headers: dict | None = None, transport: httpx.BaseTransport | None = None):
        self.base_url = (base_url or self.default_url).rstrip("/")
        self.timeout = float(timeout)
        self.connect_timeout = float(connect_timeout)
        self.retries = max(0, int(retries))
        self.backoff = max(0.0, float(backoff))
        self._client = httpx.Client(
            base_url=self.base_url, headers=headers or {}, transport=transport,
            timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
            trust_env=False,   # a proxy from the environment must not capture 127.0.0.1
        )

    # -- error mapping ---------------------------------------------------------
    def _transport_error(self, exc: Exception) -> BackendError:
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            return BackendError(
                "unreachable", f"cannot reach {self.base_url}",
                hint=f"{self.start_hint}, or set {self.config_key}.base_url / --base-url",
                backend=self.name, retryable=True)
        if isinstance(exc, httpx.TimeoutException):
            return BackendError(
                "timeout", f"{self.base_url} did not answer in time",
                hint=f"raise {self.config_key}.timeout or the request timeout",
                backend=self.name, retryable=False)
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
            return BackendError("malformed", f"connection to {self.base_url} broke mid-reply ({exc})",
                                hint="check the server log", backend=self.name, retryable=True)
        return BackendError("unreachable", f"{self.base_url}: {exc}", backend=self.name)

    def _status_error(self, response: httpx.Response, body: str) -> BackendError:
        """Map an HTTP error status; subclasses refine (missing model, ...)."""
        return BackendError("http", f"HTTP {response.status_code} from {self.base_url}: {body[:200]}",
                            hint="check the server log", backend=self.name,
                            retryable=response.status_code in RETRY_STATUS)

    def _sleep_before_retry(self, attempt: int) -> None:
        if self.backoff:
            time.sleep(min(self.backoff * (2 ** attempt), 5.0))

    # -- requests --------------------------------------------------------------
    def _request(self, method: str, path: str, *, json=None, timeout: float | None = None,
                 retries: int | None = None) -> httpx.Response:
        """A small non-streaming request; returns a 2xx response or raises BackendError."""
        attempts = (self.retries if retries is None else retries) + 1
        for attempt in range(attempts):
            try:
                response = self._client.request(method, path, json=json,
                                                 timeout=self._timeout(timeout))
            except httpx.HTTPError as exc:
                error = self._transport_error(exc)
            else:
                if response.is_success:
                    return response
                error = self._status_error(response, response.text)
            if not error.retryable or attempt + 1 >= attempts:
                raise error
            self._sleep_before_retry(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _timeout(self, total: float | None) -> httpx.Timeout:
        total = self.timeout if total is None else float(total)
        return httpx.Timeout(total, connect=min(self.connect_timeout, total))

    @contextmanager
    def _stream(self, method: str, path: str, *, json=None, timeout: float | None = None,
                retries: int | None = None) -> Iterator[httpx.Response]:
        """Open a streaming response (status checked), retrying only before any byte arrives."""
        attempts = (self.retries if retries is None else retries) + 1
        for attempt in range(attempts):
            try:
                request = self._client.build_request(method, path, json=json,
                                                      timeout=self._timeout(timeout))
                response = self._client.send(request, stream=True)
            except httpx.HTTPError as exc:
                error = self._transport_error(exc)
            else:
                if response.is_success:
                    break
                try:
                    body = response.read().decode("utf-8", "replace")
                except httpx.HTTPError:
                    body = ""
                finally:
                    response.close()
                error = self._status_error(response, body)
            if not error.retryable or attempt + 1 >= attempts:
                raise error
            self._sleep_before_retry(attempt)
        try:
            yield response
        finally:
            response.close()

    def _iter_bytes(self, response: httpx.Response, deadline: float) -> Iterator[bytes]:
        """Raw body chunks; transport errors and the overall deadline become BackendError."""
        try:
            for chunk in response.iter_bytes():
                yield chunk
                if time.monotonic() > deadline:
                    raise BackendError("timeout", f"reply from {self.base_url} took longer than allowed",
                                       hint=f"raise {self.config_key}.timeout or the request timeout",
                                       backend=self.name)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None

    def close(self) -> None:
        self._client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
