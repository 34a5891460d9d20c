"""A run's local, append-only log: framed records whose torn tail is detectable.

Layout of ``<run dir>/run.records``::

    MAGIC                                   b"SWEEPLAB-RUNLOG 1\\n"
    frame*                                  one per batch the writer thread appends
    frame   = length:u32le crc32:u32le payload
    payload = a list of records in Python's ``marshal`` format, version 4

Why ``marshal``: the writer encodes every logged row, and marshal writes a batch of rows about
15 times faster than ``json`` (floats are copied as 8 bytes, not printed as text), keeps NaN
and ±Inf exactly, and, unlike pickle, cannot run code when read. Its format is documented as
Python-specific; version 4 has been read unchanged by every Python since 3.4. Only plain
dicts, lists, tuples, strings, numbers, booleans and ``None`` are written: the reader checks
the shape of what it gets.

A crash mid-write leaves a frame whose payload is shorter than its length, or whose CRC does
not match: :func:`read_run_log` returns every record before it and describes the bad tail, so
``sync`` can skip it with a warning. Records are dicts with a kind ``"t"``:

| ``t`` | fields | meaning |
| --- | --- | --- |
| ``run`` | ``run_id project name group job_type tags notes sweep_id created_at`` | header |
| ``config`` | ``values`` | keys set (merged into what the run has) |
| ``history`` | ``rows``: ``[[step, wall_time, {key: value}], ...]`` | logged metrics |
| ``summary`` | ``values`` | the whole summary at that point |
| ``exit`` | ``state exit_code reason`` | the run ended |
"""

from __future__ import annotations

import json
import marshal
import os
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sweeplab.errors import UsageError

LOG_FILE_NAME = "run.records"
MAGIC = b"SWEEPLAB-RUNLOG 1\n"
_HEADER = struct.Struct("<II")
# A frame longer than this is corruption, not data (the writer ships far smaller batches).
MAX_FRAME_BYTES = 1 << 30

Record = dict[str, Any]


@dataclass(frozen=True)
class BadTail:
    """Where a log stops being readable, and why (a crash mid-write, usually)."""

    offset: int
    bytes_skipped: int
    reason: str

    def describe(self, path: Path) -> str:
        return (
            f"{path}: {self.reason} at byte {self.offset}; the last {self.bytes_skipped} bytes "
            "were skipped (the process probably died while writing them)"
        )


@dataclass(frozen=True)
class RunLogContents:
    records: list[Record]
    bad_tail: BadTail | None
    good_bytes: int  # the length of the readable prefix


MARSHAL_VERSION = 4


def encode_frame(records: Sequence[Record]) -> bytes:
    """One frame holding ``records``.

    History records (rows of plain numbers, built by ``log()``) go as they are; other records
    carry user values, so they pass through JSON first, which turns dict subclasses, tuples
    and other JSON-compatible types into the plain types ``marshal`` takes.
    """
    plain = [record if record.get("t") == "history" else _json_plain(record) for record in records]
    payload = marshal.dumps(plain, MARSHAL_VERSION)
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def _json_plain(record: Record) -> Record:
    plain: Record = json.loads(json.dumps(record, allow_nan=True))
    return plain


def _decode(payload: bytes) -> list[Record] | None:
    """The records of a frame's payload, or ``None`` if it is not a list of records."""
    try:
        batch = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(batch, list) or not all(
        isinstance(record, dict) and isinstance(record.get("t"), str) for record in batch
    ):
        return None
    return batch


def read_run_log(path: Path) -> RunLogContents:
    """Every record of the log at ``path`` up to the first unreadable frame."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read run log {path}: {error}") from error
    if not data.startswith(MAGIC):
        if MAGIC.startswith(data):  # died while writing the magic itself
            return RunLogContents([], BadTail(0, len(data), "incomplete header"), 0)
        raise UsageError(f"{path} is not a sweeplab run log (it does not start with {MAGIC!r})")
    records: list[Record] = []
    offset = len(MAGIC)
    while offset < len(data):
        reason = None
        if offset + _HEADER.size > len(data):
            reason = "truncated frame header"
        else:
            length, checksum = _HEADER.unpack_from(data, offset)
            start, end = offset + _HEADER.size, offset + _HEADER.size + length
            if length > MAX_FRAME_BYTES:
                reason = f"implausible frame length {length}"
            elif end > len(data):
                reason = "truncated record"
            elif zlib.crc32(data[start:end]) != checksum:
                reason = "checksum mismatch"
            else:
                batch = _decode(data[start:end])
                if batch is None:
                    reason = "undecodable record"
                else:
                    records.extend(batch)
                    offset = end
                    continue
        return RunLogContents(records, BadTail(offset, len(data) - offset, reason), offset)
    return RunLogContents(records, None, offset)


class RunLogWriter:
    """Appends frames to a run log (only the writer thread uses one)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        if path.exists() and path.stat().st_size > 0:
            # Appending after a torn tail would hide every later frame: cut the tail first.
            contents = read_run_log(path)
            if contents.bad_tail is not None:
                os.truncate(path, contents.good_bytes)
        self._file: BinaryIO = path.open("ab")
        if self._file.tell() == 0:
            self._file.write(MAGIC)

    def append(self, records: Sequence[Record]) -> None:
        if records:
            # One write per frame, so a crash tears at most the last frame.
            self._file.write(encode_frame(records))

    def flush(self) -> None:
        """Hand buffered frames to the operating system (survives a crash of this process)."""
        self._file.flush()

    def sync(self) -> None:
        """Flush and fsync (survives a crash of the machine)."""
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if not self._file.closed:
            self.sync()
            self._file.close()
