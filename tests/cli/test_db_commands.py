from __future__ import annotations

from pathlib import Path

import pytest

from sweeplab.cli.main import main


def test_upgrade_creates_then_leaves_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'sweeplab.db'}"
    assert main(["db", "upgrade", "--store", url]) == 0
    assert f"upgraded {url} from schema empty to " in capsys.readouterr().err
    assert main(["db", "upgrade", "--store", url]) == 0
    assert "nothing to do" in capsys.readouterr().err


def test_upgrade_of_the_default_store(sweeplab_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert str(sweeplab_dir / "sweeplab.db") in capsys.readouterr().err


def test_upgrade_of_stores_without_a_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--store", "memory://"]) == 0
    assert "no schema to upgrade" in capsys.readouterr().err
    assert main(["db", "upgrade", "--store", "http://host:8080"]) == 1
    assert "is not a database" in capsys.readouterr().err


def test_db_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["db"])
    assert caught.value.code == 2
