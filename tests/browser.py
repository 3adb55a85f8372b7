"""Browser plumbing shared by every browser test: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 900}
# Generous: a CI machine may be slow, and nothing here waits longer than it must.
UI_TIMEOUT_MS = 20_000


def artifacts_dir() -> Path:
    """Where browser tests leave screenshots and logs (git-ignored), never docs/."""
    path = Path(settings.BASE_DIR) / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


# One Chromium for a run of consecutive browser tests (they are collected last, see below):
# starting Playwright's driver and the browser took 2-4 s of every test. Each test gets its own
# contexts (cookies, storage), and whatever contexts it left open are closed after it.
_shared: dict[str, Any] = {}


def _start() -> Any:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread until _stop(); the ORM calls in
    # the tests and their fixtures are still plain synchronous calls.
    _shared["async_unsafe"] = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    _shared["playwright"] = playwright
    _shared["browser"] = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    return _shared["browser"]


def _stop() -> None:
    if not _shared:
        return
    try:
        if "browser" in _shared:
            _shared["browser"].close()
        _shared["playwright"].stop()
    finally:
        previous = _shared.get("async_unsafe")
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
        _shared.clear()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import expect
    except ImportError:
        skip_or_fail("the playwright package is not installed")
    expect.set_options(timeout=UI_TIMEOUT_MS)
    browser = _shared.get("browser")
    if browser is None or not browser.is_connected():
        _stop()
        browser = _start()
    try:
        yield browser
    finally:
        for context in browser.contexts:
            context.close()
        expect.set_options(timeout=5_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last (in their collected order), so that they follow each other."""
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Stop the browser, and Playwright's event loop, before a test that does not use it."""
    try:
        return (yield)
    finally:
        if nextitem is None or "browser" not in getattr(nextitem, "fixturenames", ()):
            _stop()


def pytest_sessionfinish() -> None:
    _stop()
