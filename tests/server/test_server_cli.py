"""``sweeplab server`` (refusals and settings), key commands, and ``sweeplab login``."""

from __future__ import annotations

import argparse
import io
import json
import socket
from pathlib import Path

import pytest

from sweeplab.cli.main import main
from sweeplab.cli.server_commands import _listen, server_settings
from sweeplab.errors import UsageError
from sweeplab.server.api_keys import hash_api_key, issue_api_key
from sweeplab.store.base import Store
from sweeplab.store.sql import SqlStore
from tests.server.conftest import LiveServer


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SWEEPLAB_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("SWEEPLAB_API_KEY", "WANDB_API_KEY", "SWEEPLAB_STORE_URL"):
        monkeypatch.delenv(name, raising=False)
    return f"sqlite:///{tmp_path / 'server.db'}"


def test_refuses_a_network_address_without_keys(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["server", "--store", db_url, "--host", "0.0.0.0", "--port", "0"]) == 1
    message = capsys.readouterr().err
    assert "refusing to listen on 0.0.0.0 without authentication" in message
    assert f"sweeplab server create-key --store {db_url}" in message


def test_a_server_url_is_not_a_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server", "--store", "http://elsewhere:8080"]) == 1
    assert "is a sweeplab server, not a database" in capsys.readouterr().err


def test_settings_require_keys_off_loopback(db_url: str) -> None:
    store = SqlStore(db_url)
    try:
        args = argparse.Namespace(
            store=db_url,
            host="127.0.0.1",
            port=0,
            max_body_mb=1.0,
            reap_seconds=2.0,
            root_path="/x/",
        )
        settings = server_settings(args, store)
        assert settings.require_auth is None  # open until a key exists
        assert (settings.max_body_bytes, settings.root_path) == (1024 * 1024, "/x")
        issue_api_key(store, read_only=False)
        args.host = "0.0.0.0"
        assert server_settings(args, store).require_auth is True
    finally:
        store.close()


def test_a_busy_port_is_reported() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        with pytest.raises(UsageError, match=r"cannot listen on 127\.0\.0\.1"):
            _listen("127.0.0.1", taken.getsockname()[1])


def test_bad_port_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["server", "--port", "70000"])
    assert exited.value.code == 2


def test_key_commands(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server", "create-key", "--store", db_url, "--read-only", "--name", "ci"]) == 0
    printed = capsys.readouterr()
    api_key = printed.out.strip()
    assert api_key.startswith("slk_") and "read-only API key" in printed.err
    store = SqlStore(db_url)
    try:
        [record] = store.list_api_keys()
    finally:
        store.close()
    assert record.key_hash == hash_api_key(api_key) and record.read_only
    assert main(["server", "list-keys", "--store", db_url]) == 0
    listed = capsys.readouterr().out
    assert record.key_id in listed and "read-only" in listed and api_key not in listed
    assert main(["server", "revoke-key", record.key_id, "--store", db_url]) == 0
    assert main(["server", "revoke-key", record.key_id, "--store", db_url]) == 1
    assert "no API key with id" in capsys.readouterr().err
    assert main(["server", "list-keys", "--store", db_url]) == 0
    assert "no API keys" in capsys.readouterr().err


def test_login_checks_and_saves_the_key(
    live_server: LiveServer,
    store: Store,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api_key, _ = issue_api_key(store, read_only=True)
    assert main(["login", live_server.url, "--key", "slk_wrong"]) == 1
    assert "unknown API key" in capsys.readouterr().err
    assert main(["login", live_server.url + "/", "--key", api_key]) == 0
    saved = json.loads((tmp_path / "config" / "credentials.json").read_text())
    assert saved["keys"] == {live_server.url: api_key}
    assert main(["login", "sqlite:///x.db", "--key", api_key]) == 1
    assert "needs a server URL" in capsys.readouterr().err
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(""))
        assert main(["login", live_server.url]) == 1
    assert "pass --key KEY or set SWEEPLAB_API_KEY" in capsys.readouterr().err


def test_bad_body_limit_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["server", "--max-body-mb", "0"])
    assert exited.value.code == 2


def test_an_empty_key_typed_at_the_prompt_saves_nothing(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt: "  ")
    assert main(["login", "http://127.0.0.1:9"]) == 1
    assert "no API key given; nothing saved" in capsys.readouterr().err
