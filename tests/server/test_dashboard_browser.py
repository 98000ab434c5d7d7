"""The dashboard in headless Chromium (Debian's /usr/bin/chromium via Playwright's client):
its charts draw the store's real numbers, refresh live, and a screenshot is kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.server.harness import start_server
from triforce.server.settings import ServerSettings

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("chromium is not installed (scripts/setup.d/20-chromium.sh installs it)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _ask(server, model: str, content: str) -> dict:
    response = httpx.post(server.url + "/v1/chat/completions", timeout=30,
                          json={"model": model, "messages": [{"role": "user", "content": content}]})
    assert response.status_code == 200, response.text
    return response.json()["triforce"]


def _values(page, selector: str, attribute: str = "data-value") -> list[str]:
    return page.eval_on_selector_all(selector, f"els => els.map(e => e.getAttribute('{attribute}'))")


def test_dashboard_charts_show_the_stores_data(browser, tmp_path):
    server = start_server(tmp_path, settings=ServerSettings(port=0, dashboard_poll_ms=500))
    try:
        for model, content in [("triforce/din", "make this faster: lda #0 / sta $10"),
                               ("triforce/din", "fewer cycles please"),
                               ("triforce/nayru", "write a joypad reader"),
                               ("triforce", "optimize this loop: ldx #0 / inx / cpx #10 / bne -"),
                               ("triforce", "how is the weather today?")]:
            _ask(server, model, content)
        server.wait_for_rows(5)
        stats = httpx.get(server.url + "/v1/stats").json()

        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(server.url + "/")
        page.wait_for_selector("#chart-requests g.request", timeout=15_000)

        # Last requests: one row per logged request, newest first, with plan steps and verdicts.
        ids = [int(v) for v in _values(page, "#chart-requests g.request", "data-key")]
        stored = [r["id"] for r in server.store.recent_requests(limit=20)]
        assert ids == stored
        steps = _values(page, "#chart-requests rect.step", "data-key")
        assert steps == [step["expert"] for r in server.store.recent_requests(limit=20)
                         for step in r["steps"]]
        assert steps.count("din") >= 2 and "nayru" in steps
        assert page.locator("#chart-requests circle.verdict").count() >= 3   # one per code block

        # Latency over time: request counts per bucket add up to the log.
        counts = [int(v) for v in _values(page, "#chart-latency rect.count")]
        assert sum(counts) == len(stored) == 5
        assert page.locator("#chart-latency path.line").count() >= 1

        # Routing distribution and confidence: exactly the store's routing statistics.
        bars = dict(zip(_values(page, "#chart-distribution rect.bar", "data-key"),
                        (int(v) for v in _values(page, "#chart-distribution rect.bar"))))
        assert bars == stats["expert_distribution"]
        confidence = dict(zip(_values(page, "#chart-confidence rect.bar", "data-key"),
                              (float(v) for v in _values(page, "#chart-confidence rect.bar"))))
        assert confidence == pytest.approx(stats["intent_confidence_avg"])
        fallback = float(_values(page, "#chart-fallback circle.arc")[0])
        assert fallback == pytest.approx(stats["fallback_rate"])
        if server.app.state.engine.router is not None:
            assert stats["total_queries"] == 2 and bars    # the two auto-routed requests

        # Live: a new request appears without reloading the page.
        _ask(server, "triforce/veran", "what does this routine do?")
        page.wait_for_function(
            "n => document.querySelectorAll('#chart-requests g.request').length > n",
            arg=len(ids), timeout=10_000)
        assert "veran" in _values(page, "#chart-requests rect.step", "data-key")

        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "dashboard.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        assert not problems, problems      # no script errors, no CSP violations
        page.close()
    finally:
        server.stop()


def test_dashboard_asks_for_the_key_when_the_server_has_one(browser, tmp_path):
    key = "dashboard-key-123"
    server = start_server(tmp_path, settings=ServerSettings(port=0, api_key=key,
                                                            dashboard_poll_ms=500))
    try:
        httpx.post(server.url + "/v1/chat/completions", timeout=30,
                   headers={"Authorization": f"Bearer {key}"},
                   json={"model": "triforce/din", "messages": [{"role": "user", "content": "hi"}]})
        page = browser.new_page()
        page.goto(server.url + "/")
        page.wait_for_selector("#key-form:not([hidden])", timeout=10_000)
        assert page.locator("#chart-requests g.request").count() == 0
        page.fill("#key-input", key)
        page.click("#key-form button")
        page.wait_for_selector("#chart-requests g.request", timeout=10_000)
        assert page.get_attribute("#status", "data-state") == "live"
        page.close()
    finally:
        server.stop()
