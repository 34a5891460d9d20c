"""The bounds every request is checked against, in one place (server and client share them).

Why bounds at all: a server must not let one request take all its memory or time, and every
value that names something (ids, projects, metric keys) must have a shape that is safe in a
URL, a log line and an HTML page. The limits are generous for real use: W&B allows 128
characters in a project name, and a sweep's run ids are 8.
"""

from __future__ import annotations

import re

# Ids of runs, sweeps and keys: letters, digits, ``_``, ``-``, ``.`` (W&B's run ids use these).
ID_PATTERN = r"^[A-Za-z0-9_.\-]+$"
MAX_ID_CHARS = 64
# Project names as W&B allows them: no ``/ \ # ? % :`` and no control characters.
PROJECT_PATTERN = r"^[^/\\#?%:\x00-\x1f\x7f]+$"
MAX_PROJECT_CHARS = 128
# Metric keys: any text without control characters (``train/loss``, ``val acc``).
METRIC_KEY_PATTERN = r"^[^\x00-\x1f\x7f]+$"
MAX_METRIC_KEY_CHARS = 512
MAX_NAME_CHARS = 1_000  # run names
MAX_LABEL_CHARS = 256  # groups, job types, tags, reasons' short fields
MAX_TAGS = 100
MAX_NOTES_CHARS = 100_000
MAX_REASON_CHARS = 10_000
MAX_TOP_LEVEL_KEYS = 10_000  # in a config or summary update

# Metric rows in one ingest request, and the client's chunk size (well under the body limit).
MAX_METRIC_ROWS_PER_REQUEST = 50_000
CLIENT_METRIC_CHUNK_ROWS = 10_000
MAX_METRIC_KEYS_PER_READ = 1_000
MAX_SAMPLES = 100_000
MIN_SAMPLES = 4  # the first and last point, and one stretch's min and max
# Runs in one page of a listing; the client pages through longer answers.
MAX_PAGE_SIZE = 1_000
MAX_OFFSET = 1_000_000_000
# Leases between a second and a day.
MIN_LEASE_SECONDS = 1.0
MAX_LEASE_SECONDS = 86_400.0
MAX_STEP = 2**62

_ID_RE = re.compile(ID_PATTERN)


def is_valid_id(text: str) -> bool:
    """Whether ``text`` is a well-formed run, sweep or key id."""
    return 0 < len(text) <= MAX_ID_CHARS and _ID_RE.match(text) is not None
