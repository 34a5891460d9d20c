"""The run log's framing, writer durability, and sync: torn tails, idempotence, markers."""

from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import pytest

import sweeplab.sdk as wandb
from sweeplab.domain import RunState
from sweeplab.errors import SweeplabError, UsageError
from sweeplab.sdk.runlog import LOG_FILE_NAME, MAGIC, RunLogWriter, encode_frame, read_run_log
from sweeplab.sdk.settings import Mode, Settings
from sweeplab.sdk.sync import SYNCED_MARKER, find_run_dirs, sync_paths
from sweeplab.store.base import NewRun
from sweeplab.store.memory import MemoryStore
from sweeplab.store.urls import open_store
from tests.sdk.conftest import child_environment


def _offline_run(tmp_path: Path, steps: int = 20, run_id: str | None = None) -> Path:
    """An offline run with ``steps`` rows of two metrics; returns its directory."""
    settings = Settings(sweeplab_dir=tmp_path / "sl", mode=Mode.OFFLINE, flush_seconds=0.01)
    run = wandb.init(project="off", id=run_id, config={"lr": 0.1}, settings=settings)
    for step in range(steps):
        wandb.log({"loss": 1.0 / (step + 1), "nan": math.nan})
    wandb.summary["note"] = "done"
    wandb.finish()
    assert run.dir is not None
    return run.dir


def test_frames_round_trip_and_torn_tails_are_found(tmp_path: Path) -> None:
    path = tmp_path / "r" / LOG_FILE_NAME
    writer = RunLogWriter(path)
    writer.append([{"t": "a", "v": math.inf}])
    writer.append([])  # nothing to write
    writer.append([{"t": "b"}, {"t": "c"}])
    writer.close()
    contents = read_run_log(path)
    assert [record["t"] for record in contents.records] == ["a", "b", "c"]
    assert contents.records[0]["v"] == math.inf and contents.bad_tail is None
    full = path.read_bytes()

    path.write_bytes(full[:-3])  # the last frame lost its end
    torn = read_run_log(path)
    assert [record["t"] for record in torn.records] == ["a"]
    assert torn.bad_tail is not None and torn.bad_tail.reason == "truncated record"
    assert "the last" in torn.bad_tail.describe(path)

    path.write_bytes(full + b"\x05\x00")  # died while writing a frame header
    assert read_run_log(path).bad_tail.reason == "truncated frame header"  # type: ignore[union-attr]

    corrupt = bytearray(full)
    corrupt[-2] ^= 0xFF
    path.write_bytes(bytes(corrupt))
    assert read_run_log(path).bad_tail.reason == "checksum mismatch"  # type: ignore[union-attr]

    payload = b"not json"
    path.write_bytes(MAGIC + struct.pack("<II", len(payload), zlib.crc32(payload)) + payload)
    assert read_run_log(path).bad_tail.reason == "undecodable record"  # type: ignore[union-attr]

    path.write_bytes(MAGIC + struct.pack("<II", 2**31, 0))
    assert "implausible frame length" in read_run_log(path).bad_tail.reason  # type: ignore[union-attr]

    path.write_bytes(MAGIC[:5])
    assert read_run_log(path).bad_tail.reason == "incomplete header"  # type: ignore[union-attr]

    path.write_bytes(b"something else entirely")
    with pytest.raises(UsageError, match="is not a sweeplab run log"):
        read_run_log(path)
    with pytest.raises(UsageError, match="cannot read run log"):
        read_run_log(tmp_path / "missing")


def test_reopening_a_torn_log_cuts_the_tail_before_appending(tmp_path: Path) -> None:
    path = tmp_path / LOG_FILE_NAME
    writer = RunLogWriter(path)
    writer.append([{"t": "a"}])
    writer.close()
    with path.open("ab") as handle:
        handle.write(encode_frame([{"t": "lost"}])[:-4])
    writer = RunLogWriter(path)
    writer.append([{"t": "b"}])
    writer.close()
    contents = read_run_log(path)
    assert [record["t"] for record in contents.records] == ["a", "b"] and contents.bad_tail is None


def test_log_is_durable_when_finish_returns(tmp_path: Path, settings: Settings) -> None:
    run = wandb.init(
        config={"a": 1},
        settings=Settings(store=settings.store, sweeplab_dir=tmp_path / "sl", flush_seconds=60),
    )
    for step in range(1000):
        wandb.log({"x": float(step)})
    wandb.finish()  # the writer sleeps 60 s between flushes: finish must drain it anyway
    assert run.log_path is not None
    records = read_run_log(run.log_path).records
    rows = [row for record in records if record["t"] == "history" for row in record["rows"]]
    assert [row[0] for row in rows] == list(range(1000))
    assert records[-1] == {"t": "exit", "state": "finished", "exit_code": None, "reason": ""}


def test_a_killed_process_leaves_a_readable_log(tmp_path: Path) -> None:
    """os._exit skips every exit handler, like kill -9: what was flushed is readable."""
    script = tmp_path / "die.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, time
            import sweeplab.sdk as wandb
            run = wandb.init(project="p", mode="offline")
            for step in range(100):
                wandb.log({"x": float(step)})
            time.sleep(0.5)  # a few writer flushes
            print(run.dir, flush=True)
            os._exit(0)
            """
        )
    )
    env = child_environment(tmp_path, SWEEPLAB_FLUSH_SECONDS="0.05",
                              SWEEPLAB_SHIP_SECONDS="0.05")
    result = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    run_dir = Path(result.stdout.strip())
    store = MemoryStore()
    report = sync_paths([run_dir], store)
    [synced] = report.runs
    assert synced.rows == 100 and synced.state == "crashed"
    assert store.get_run(synced.run_id).state is RunState.CRASHED


def test_sync_twice_equals_once(tmp_path: Path) -> None:
    run_dir = _offline_run(tmp_path)
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    progress: list[tuple[int, int, Path]] = []
    first = sync_paths([tmp_path / "sl"], store, progress=lambda *args: progress.append(args))
    assert progress == [(1, 1, run_dir)]
    [synced] = first.runs
    assert (synced.rows, synced.new_rows, synced.state) == (40, 40, "finished")
    assert first.ok and first.new_rows == 40 and first.synced == [synced]
    assert (run_dir / SYNCED_MARKER).is_file()
    snapshot = (store.get_run(synced.run_id), store.read_metrics(synced.run_id))

    second = sync_paths([tmp_path / "sl"], store)
    assert second.runs[0].skipped == "already synced"
    third = sync_paths([run_dir], store, include_synced=True)
    assert third.runs[0].new_rows == 0 and third.ok
    after = (store.get_run(synced.run_id), store.read_metrics(synced.run_id))
    assert after[1] == snapshot[1] or _same_with_nan(after[1], snapshot[1])
    assert after[0].config == snapshot[0].config == {"lr": 0.1}
    assert after[0].summary == {"loss": 0.05, "nan": after[0].summary["nan"], "note": "done"}
    assert after[0].state is RunState.FINISHED and after[0].updated_at == snapshot[0].updated_at
    assert [row for row in store.read_metrics(synced.run_id)["loss"]] == [
        (s, 1.0 / (s + 1)) for s in range(20)
    ]
    assert any("already synced" in line for line in second.lines())


def _same_with_nan(
    a: dict[str, list[tuple[int, float]]], b: dict[str, list[tuple[int, float]]]
) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_torn_tail_is_skipped_with_a_warning(tmp_path: Path) -> None:
    run_dir = _offline_run(tmp_path, steps=10)
    log = run_dir / LOG_FILE_NAME
    contents = read_run_log(log)
    # Rewrite the log so every row has its own frame, then tear the last frame (the exit).
    writer_path = tmp_path / "rewritten" / LOG_FILE_NAME
    writer = RunLogWriter(writer_path)
    for record in contents.records:
        writer.append([record])
    writer.close()
    data = writer_path.read_bytes()
    log.write_bytes(data[:-5])
    store = MemoryStore()
    with pytest.warns(UserWarning, match="truncated record at byte"):
        report = sync_paths([run_dir], store)
    [synced] = report.runs
    assert synced.bad_tail is not None and "truncated record" in synced.bad_tail
    assert synced.state == "crashed"  # the exit record was the torn one
    assert store.read_metrics(synced.run_id)["loss"] == [(s, 1.0 / (s + 1)) for s in range(10)]
    assert "skipped a bad tail" in report.lines()[0]
    marker = json.loads((run_dir / SYNCED_MARKER).read_text())
    assert marker["bad_tail"] == synced.bad_tail


def test_torn_history_frame_keeps_every_earlier_row(tmp_path: Path) -> None:
    settings = Settings(sweeplab_dir=tmp_path / "sl", mode=Mode.OFFLINE, flush_seconds=0.01)
    run = wandb.init(project="off", settings=settings)
    for step in range(6):
        wandb.log({"x": float(step)})
        run._writer._wake.set()  # type: ignore[union-attr]
        time.sleep(0.05)  # one frame per step
    wandb.finish()
    assert run.log_path is not None
    records = read_run_log(run.log_path).records
    frames_to_keep = [record for record in records if record["t"] != "exit"]
    rewritten = tmp_path / "x" / LOG_FILE_NAME
    writer = RunLogWriter(rewritten)
    for record in frames_to_keep:
        writer.append([record])
    writer.close()
    run.log_path.write_bytes(rewritten.read_bytes()[:-3])  # tear the last frame
    store = MemoryStore()
    with pytest.warns(UserWarning, match="skipped"):
        report = sync_paths([run.log_path], store)
    history = store.read_metrics(report.runs[0].run_id)["x"]
    assert history[: len(history)] == [(s, float(s)) for s in range(len(history))]
    assert len(history) >= 5


def test_sync_problems_are_reported_per_run(tmp_path: Path) -> None:
    good = _offline_run(tmp_path, steps=2, run_id="goodrun1")
    headless = tmp_path / "sl" / "offline-run-x-headless"
    writer = RunLogWriter(headless / LOG_FILE_NAME)
    writer.append([{"t": "history", "rows": [[0, 0.0, {"a": 1}]]}])
    writer.close()
    garbage = tmp_path / "sl" / "offline-run-y-garbage"
    garbage.mkdir()
    (garbage / LOG_FILE_NAME).write_bytes(b"garbage")
    store = MemoryStore()
    store.create_run(NewRun(project="elsewhere", run_id="goodrun1"))
    report = sync_paths([tmp_path / "sl"], store)
    by_dir = {run.path: run for run in report.runs}
    assert not report.ok
    assert "no run header record" in str(by_dir[headless].error)
    assert "not a sweeplab run log" in str(by_dir[garbage].error)
    assert by_dir[good].error is not None  # the id exists in another project
    assert any("failed:" in line for line in report.lines())
    with pytest.raises(
        SweeplabError, match="neither a run directory nor a directory of offline runs"
    ):
        find_run_dirs([tmp_path / "missing"])
    assert find_run_dirs([good / LOG_FILE_NAME, good]) == [good]


def test_offline_log_file_is_fsynced_before_finish_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    _offline_run(tmp_path, steps=1)
    assert synced
