"""sweeplab.run / config / summary as module attributes that follow init()."""

from __future__ import annotations

import pytest

from sweeplab import sdk
from sweeplab.errors import UsageError
from sweeplab.sdk.proxies import config_proxy, summary_proxy
from sweeplab.sdk.run_config import Config
from sweeplab.sdk.settings import Settings


def test_before_init_the_proxies_explain(settings: Settings) -> None:
    assert sdk.run is None
    assert sdk.config is config_proxy and sdk.summary is summary_proxy
    with pytest.raises(
        UsageError, match=r"sweeplab\.config is not available before sweeplab\.init"
    ):
        _ = sdk.config.lr
    assert "no run yet" in repr(sdk.summary)
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = sdk.nothing


def test_a_proxy_taken_before_init_forwards_to_the_current_run(settings: Settings) -> None:
    config, summary = sdk.config, sdk.summary  # like `from sweeplab import config`
    run = sdk.init(config={"lr": 0.1}, settings=settings)
    assert sdk.config is run.config and isinstance(sdk.config, Config)
    assert config.lr == 0.1 and config["lr"] == 0.1 and "lr" in config
    config.epochs = 2
    config["batch"] = 8
    assert run.config.epochs == 2 and run.config.batch == 8
    assert list(config) == ["lr", "epochs", "batch"] and len(config) == 3
    summary["best"] = 1.0
    assert run.summary["best"] == 1.0 and "Config(" in repr(config)
    sdk.finish()
    assert sdk.run is None


def test_lazy_exports() -> None:
    from sweeplab.sdk.api import Api
    from sweeplab.sdk.sync import SyncReport, sync_paths

    assert sdk.Api is Api and sdk.sync_paths is sync_paths and sdk.SyncReport is SyncReport
    for name in sdk.__all__:
        getattr(sdk, name)


def test_import_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, sweeplab.sdk, sweeplab.sdk.context\n"
        "heavy = [m for m in ('numpy', 'sqlalchemy', 'pandas', 'yaml') if m in sys.modules]\n"
        "print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_private_and_unknown_names_are_not_forwarded() -> None:
    from sweeplab.sdk.proxies import module_attribute
    from sweeplab.sdk.run_summary import Summary

    with pytest.raises(AttributeError):
        module_attribute("other")
    assert not hasattr(Config(), "__deepcopy_hook__")  # dunders are never config keys
    assert not hasattr(Summary(), "_private")
