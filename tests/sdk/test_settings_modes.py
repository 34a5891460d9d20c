"""Settings from the environment (SWEEPLAB_ and WANDB_), the mode file, modes, login."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

import sweeplab.sdk as wandb
from sweeplab.credentials import credentials_file, save_api_key, saved_api_key
from sweeplab.errors import ServerUnavailableError, UsageError
from sweeplab.sdk.runlog import read_run_log
from sweeplab.sdk.settings import (
    Mode,
    Settings,
    save_mode,
    saved_mode,
)
from sweeplab.store.base import RunQuery
from sweeplab.store.memory import MemoryStore


def test_environment_variables_and_wandb_fallbacks(tmp_path: Path) -> None:
    env = {
        "WANDB_PROJECT": "wp",
        "SWEEPLAB_PROJECT": "sp",
        "WANDB_MODE": "offline",
        "WANDB_DIR": str(tmp_path / "w"),
        "WANDB_BASE_URL": "http://host:1",
        "WANDB_API_KEY": "k1",
        "WANDB_RUN_ID": "r1",
        "SWEEPLAB_HEARTBEAT_SECONDS": "0.5",
        "WANDB_LEASE_SECONDS": "3",
    }
    settings = Settings.load(env)
    assert settings.project == "sp"  # SWEEPLAB_ wins over WANDB_
    assert settings.mode is Mode.OFFLINE
    assert settings.sweeplab_dir == tmp_path / "w"
    assert settings.base_url == "http://host:1"
    assert settings.api_key == "k1" and settings.resolved_api_key() == "k1"
    assert settings.run_id == "r1"
    assert (settings.heartbeat_seconds, settings.lease_seconds) == (0.5, 3.0)
    assert Settings.load({}).project == "uncategorized"
    assert Settings.load({}, mode="disabled").mode is Mode.DISABLED


def test_bad_values_are_explained() -> None:
    with pytest.raises(
        UsageError, match="SWEEPLAB_MODE: unknown mode 'fast'; use one of online, offline, disabled"
    ):
        Settings.load({"SWEEPLAB_MODE": "fast"})
    with pytest.raises(
        UsageError, match="SWEEPLAB_LEASE_SECONDS='soon': expected a positive number"
    ):
        Settings.load({"SWEEPLAB_LEASE_SECONDS": "soon"})
    with pytest.raises(UsageError, match="SWEEPLAB_FLUSH_SECONDS='0'"):
        Settings.load({"SWEEPLAB_FLUSH_SECONDS": "0"})
    assert Mode.parse("dryrun", "x") is Mode.OFFLINE and Mode.parse("run", "x") is Mode.ONLINE


def test_runs_ship_to_a_server_less_often_than_to_a_local_store() -> None:
    local = Settings.load({})
    assert (local.flush_seconds, local.ship_seconds) == (0.5, 0.5)
    served = Settings.load({"SWEEPLAB_BASE_URL": "http://sweeps:8080"})
    assert (served.flush_seconds, served.ship_seconds) == (0.5, 2.0)
    assert Settings.load({"SWEEPLAB_STORE_URL": "https://sweeps/x"}).ship_seconds == 2.0
    # An explicit store URL wins over the server URL, as it does for the store itself.
    both = {"SWEEPLAB_BASE_URL": "http://sweeps:8080", "SWEEPLAB_STORE_URL": "memory://"}
    assert Settings.load(both).ship_seconds == 0.5
    assert Settings.load({"SWEEPLAB_SHIP_SECONDS": "0.1"}).ship_seconds == 0.1
    with pytest.raises(UsageError, match="SWEEPLAB_SHIP_SECONDS='-1'"):
        Settings.load({"SWEEPLAB_SHIP_SECONDS": "-1"})


def test_saved_mode_is_used_unless_the_environment_says_otherwise(tmp_path: Path) -> None:
    directory = tmp_path / "sl"
    assert saved_mode(directory) is None
    path = save_mode("offline", directory)
    assert path == directory / "settings.json"
    assert saved_mode(directory) is Mode.OFFLINE
    assert Settings.load({"SWEEPLAB_DIR": str(directory)}).mode is Mode.OFFLINE
    assert (
        Settings.load({"SWEEPLAB_DIR": str(directory), "SWEEPLAB_MODE": "online"}).mode
        is Mode.ONLINE
    )
    save_mode(Mode.ONLINE, directory)
    assert Settings.load({"SWEEPLAB_DIR": str(directory)}).mode is Mode.ONLINE
    with pytest.raises(UsageError, match="unknown mode"):
        save_mode("sideways", directory)
    (directory / "settings.json").write_text("[1]")
    with pytest.raises(UsageError, match="should hold a JSON object"):
        saved_mode(directory)
    (directory / "settings.json").write_text("{")
    with pytest.raises(UsageError, match=r"cannot read .*settings\.json"):
        saved_mode(directory)


def test_save_mode_defaults_to_the_environment_dir(tmp_path: Path) -> None:
    save_mode("offline")
    assert (tmp_path / "sweeplab" / "settings.json").is_file()


def test_offline_writes_only_the_local_log(tmp_path: Path, store: MemoryStore) -> None:
    settings = Settings(store=store, sweeplab_dir=tmp_path / "sl", mode=Mode.OFFLINE)
    run = wandb.init(project="p", config={"a": 1}, settings=settings)
    wandb.log({"x": 1.0})
    wandb.finish()
    assert store.list_runs(RunQuery()) == []
    [run_dir] = (tmp_path / "sl").glob(f"offline-run-*-{run.id}")
    records = read_run_log(run_dir / "run.records").records
    assert [record["t"] for record in records] == ["run", "config", "history", "summary", "exit"]
    assert records[0]["config"] == {"a": 1}
    assert records[-1]["state"] == "finished"


def test_offline_mode_from_init_argument_opens_no_store(tmp_path: Path) -> None:
    run = wandb.init(mode="offline")
    wandb.log({"x": 1.0})
    wandb.finish()
    assert run.offline
    assert not (tmp_path / "sweeplab" / "sweeplab.db").exists()


def test_disabled_does_nothing_and_accepts_everything(tmp_path: Path) -> None:
    run = wandb.init(mode="disabled", config={"a": 1})
    assert run.disabled and wandb.run is run
    wandb.config.b = 2
    wandb.log({"x": 1.0})
    wandb.log({"x": 2.0}, step=5, commit=False)
    wandb.define_metric("x", summary="max")
    wandb.summary["y"] = 3
    assert wandb.config.as_dict() == {"a": 1, "b": 2}
    assert run.log_path is None
    wandb.finish()
    assert not (tmp_path / "sweeplab").exists()


def test_a_base_url_goes_to_open_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWEEPLAB_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SWEEPLAB_HTTP_RETRIES", "1")  # nothing listens there: fail at once
    with pytest.raises(ServerUnavailableError, match="cannot reach the sweeplab server"):
        wandb.init()


def test_store_url_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SWEEPLAB_STORE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    wandb.init().finish()
    assert (tmp_path / "elsewhere.db").is_file()


def test_login_without_a_server_is_a_no_op(tmp_path: Path) -> None:
    assert wandb.login() is True
    assert not credentials_file().exists()


def test_login_stores_the_key_readable_by_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert wandb.login(key="secret", host="http://server:8080/") is True
    path = credentials_file()
    assert path == tmp_path / "config" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert saved_api_key("http://server:8080") == "secret"
    monkeypatch.setenv("SWEEPLAB_BASE_URL", "http://server:8080")
    assert Settings.load().resolved_api_key() == "secret"
    path.chmod(0o644)  # a key file made readable by accident is closed again on the next save
    monkeypatch.setenv("SWEEPLAB_API_KEY", "from-env")
    assert wandb.login() is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert saved_api_key("http://server:8080") == "from-env"
    assert saved_api_key("http://other") is None


def test_login_to_a_server_needs_a_key() -> None:
    with pytest.raises(
        UsageError, match=r"no API key; pass login\(key=...\) or set SWEEPLAB_API_KEY"
    ):
        wandb.login(host="http://server")


def test_credentials_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert (
        credentials_file({"XDG_CONFIG_HOME": str(tmp_path)})
        == tmp_path / "sweeplab" / "credentials.json"
    )
    save_api_key("http://a", "k", {"SWEEPLAB_CONFIG_DIR": str(tmp_path / "c")})
    assert saved_api_key("http://a", {"SWEEPLAB_CONFIG_DIR": str(tmp_path / "c")}) == "k"
    assert Settings().resolved_api_key() is None
