"""Browser tests never silently skip in CI: a missing Chromium fails there, skips elsewhere."""

from __future__ import annotations

import pytest

from tests.browser.conftest import _unavailable


def test_missing_browser_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="browser tests must run in CI"):
        _unavailable("/usr/bin/chromium is missing")


def test_missing_browser_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        _unavailable("/usr/bin/chromium is missing")
