"""Integration plumbing that needs no framework: install hints, lazy imports, RunLink."""

from __future__ import annotations

import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest

import sweeplab
from sweeplab.errors import MissingExtraError, RunStopped, SweeplabError, UsageError
from sweeplab.integration.frameworks import require, require_first
from sweeplab.integration.run_link import RunLink, as_number, numbers_only, require_run
from sweeplab.sdk.settings import Settings

INTEGRATION_MODULES = [
    "sweeplab.integration.keras.framework",
    "sweeplab.integration.keras.callback",
    "sweeplab.integration.keras.metrics_logger",
    "sweeplab.integration.keras.model_checkpoint",
    "sweeplab.integration.lightning",
    "sweeplab.integration.huggingface",
]


def test_require_names_the_extra_and_the_cause() -> None:
    with pytest.raises(MissingExtraError) as raised:
        require("sweeplab_no_such_framework", framework="Frob", extra="frob", integration="x.y")
    error = raised.value
    assert isinstance(error, ImportError) and isinstance(error, SweeplabError)
    assert error.code == "missing_extra" and error.extra == "frob"
    assert "x.y needs Frob, which cannot be imported" in str(error)
    assert "No module named 'sweeplab_no_such_framework'" in str(error)
    assert str(error).endswith("install it with: pip install 'sweeplab[frob]'")
    assert isinstance(error.__cause__, ModuleNotFoundError)


def test_require_returns_the_module() -> None:
    assert require("json", framework="json", extra="none", integration="t") is sys.modules["json"]


def test_require_first_takes_the_first_importable_module() -> None:
    module = require_first(("sweeplab_nope", "json"), framework="f", extra="e", integration="i")
    assert module is sys.modules["json"]
    with pytest.raises(MissingExtraError, match="No module named 'sweeplab_nope_a'"):
        require_first(("sweeplab_nope_a", "sweeplab_nope_b"), framework="f", extra="e",
                      integration="i")


def _hide(monkeypatch: pytest.MonkeyPatch, *framework_modules: str) -> None:
    """Make ``framework_modules`` unimportable and forget every loaded integration module."""
    for name in framework_modules:
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    for name in INTEGRATION_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    import sweeplab.integration.keras as keras_integration
    import sweeplab.keras as keras_alias

    for namespace in (keras_integration, keras_alias):
        for name in namespace.__all__:
            if name in vars(namespace):  # hasattr() would import it through __getattr__
                monkeypatch.delattr(namespace, name)


@pytest.mark.parametrize(
    "name", ["WandbCallback", "WandbMetricsLogger", "WandbModelCheckpoint"]
)
def test_keras_names_without_keras_say_which_extra(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    _hide(monkeypatch, "keras")
    with pytest.raises(ImportError, match=r"pip install 'sweeplab\[keras\]'"):
        exec(f"from sweeplab.keras import {name}", {})
    with pytest.raises(MissingExtraError, match=r"sweeplab\.keras needs Keras 3 with TensorFlow"):
        exec(f"from sweeplab.integration.keras import {name}", {})


def test_lightning_without_lightning_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "lightning", "lightning.pytorch", "pytorch_lightning")
    with pytest.raises(MissingExtraError, match=r"pip install 'sweeplab\[lightning\]'"):
        exec("from sweeplab.integration.lightning import SweeplabLogger", {})


def test_huggingface_without_transformers_says_which_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _hide(monkeypatch, "transformers")
    with pytest.raises(MissingExtraError, match=r"pip install 'sweeplab\[huggingface\]'"):
        exec("from sweeplab.integration.huggingface import SweeplabCallback", {})


def test_unknown_names_are_attribute_errors() -> None:
    import sweeplab.integration.keras as keras_integration
    import sweeplab.keras as keras_alias

    with pytest.raises(AttributeError, match=r"'sweeplab\.keras' has no attribute 'Nope'"):
        _ = keras_alias.Nope
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = keras_integration.Nope
    assert set(dir(keras_alias)) >= {"WandbCallback", "WandbMetricsLogger", "WandbModelCheckpoint"}
    assert "WandbCallback" in dir(keras_integration)


def test_importing_the_integration_packages_loads_no_framework() -> None:
    code = (
        "import sys, sweeplab.keras, sweeplab.integration, sweeplab.integration.keras\n"
        "import sweeplab.integration.frameworks, sweeplab.integration.run_link\n"
        "heavy = [m for m in ('keras', 'tensorflow', 'torch', 'lightning', 'transformers',"
        " 'numpy') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_require_run_needs_init() -> None:
    with pytest.raises(UsageError, match=r"call sweeplab.init\(\) before WandbCallback\(\)"):
        require_run("WandbCallback")


def test_run_link_logs_until_the_run_is_stopped(settings: Settings) -> None:
    run = sweeplab.init(project="p", settings=settings)
    link = RunLink(run)
    assert link.log({"loss": 1.0}) and link.active
    run._stop_requested("hyperband: worse than the band")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "run is finished" warnings after the stop
        assert not link.log({"loss": 0.5})  # recorded, then the run stops
        assert not link.log({"loss": 0.25})  # ignored
        link.set_summary("best", 1.0)  # ignored: the run is finished
    assert isinstance(link.stopped, RunStopped)
    assert link.stopped.reason == "hyperband: worse than the band"
    assert not link.active and run.finished
    assert settings.store is not None
    stored = settings.store.read_metrics(run.id)
    assert [value for _, value in stored["loss"]] == [1.0, 0.5]
    assert "best" not in run.summary


def test_as_number_turns_framework_scalars_into_python_numbers() -> None:
    assert as_number(np.float32(0.5)) == 0.5 and type(as_number(np.float32(0.5))) is float
    assert as_number(np.int64(3)) == 3 and type(as_number(np.int64(3))) is int
    assert type(as_number(np.array(2.0))) is float
    assert as_number("1.5") == "1.5"  # text stays text
    values = np.array([1.0, 2.0])
    assert as_number(values) is values  # not a scalar: left for the SDK to refuse
    assert as_number(True) is True
    assert numbers_only(None) == {}
    mixed_keys: dict[Any, Any] = {"a": np.float64(1.0), 2: 3}
    assert numbers_only(mixed_keys) == {"a": 1.0, "2": 3}
