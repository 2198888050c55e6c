"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright.

``.ci/run`` installs both and sets SCSLAB_REQUIRE_BROWSER=1, so that in CI a missing
browser fails the tests instead of skipping them.
"""

from __future__ import annotations

import contextlib
import os
import shutil

import pytest


def chromium_path() -> str:
    path = os.environ.get("SCSLAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("SCSLAB_REQUIRE_BROWSER") == "1":
        pytest.fail("chromium is not installed (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


@contextlib.contextmanager
def browser_page(width: int = 1400, height: int = 1000):
    """A fresh page in headless Chromium."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()
