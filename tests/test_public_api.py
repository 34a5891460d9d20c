"""The top-level names W&B code relies on, pinned."""

from __future__ import annotations

import subprocess
import sys

import sweeplab

EXPECTED = {
    "Api",
    "ConfigError",
    "Run",
    "RunStopped",
    "SweeplabError",
    "UsageError",
    "__version__",
    "agent",
    "config",
    "define_metric",
    "finish",
    "init",
    "log",
    "login",
    "run",
    "summary",
    "sweep",
}


def test_all_is_pinned() -> None:
    assert set(sweeplab.__all__) == EXPECTED


def test_every_name_resolves() -> None:
    for name in sweeplab.__all__:
        getattr(sweeplab, name)
    assert sweeplab.run is None  # no run before init()


def test_unknown_name_is_an_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="module 'sweeplab' has no attribute 'nope'"):
        _ = sweeplab.nope


def test_config_is_the_run_config_even_after_the_sweep_config_language_loads() -> None:
    import sweeplab.sweep_config
    from sweeplab.sdk.proxies import config_proxy

    assert sweeplab.config is config_proxy


def test_import_is_light_and_fast() -> None:
    code = (
        "import sys, sweeplab\n"
        "heavy = [m for m in ('numpy', 'sqlalchemy', 'yaml', 'rich', 'scipy') if m in sys.modules]\n"
        "print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_functions_are_not_shadowed_by_subpackages() -> None:
    """Importing every subpackage must not replace a W&B function of the same name."""
    import importlib
    import pkgutil

    for module in pkgutil.walk_packages(sweeplab.__path__, "sweeplab."):
        if module.name.startswith(("sweeplab.integration", "sweeplab.keras")):
            continue  # framework imports; their names (keras) are modules in W&B too
        importlib.import_module(module.name)
    from sweeplab.sdk.init_run import init
    from sweeplab.sdk.sweeps import agent, sweep

    assert sweeplab.agent is agent
    assert sweeplab.sweep is sweep
    assert sweeplab.init is init
    assert callable(sweeplab.log) and callable(sweeplab.finish) and callable(sweeplab.login)
