"""The store contract as a pytest suite that every :class:`~sweeplab.store.base.Store` passes.

Use it by subclassing in a test module::

    class TestMyStore(StoreContract):
        def make_store(self, tmp_path: Path) -> Store:
            return MyStore(...)

Every test gets a fresh store from ``make_store`` (closed afterwards). The clauses are grouped
by topic in the ``contract_*`` modules; this class joins them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sweeplab.store.base import Store
from sweeplab.testing.contract_claims import ClaimContract, ConcurrencyContract, LeaseContract
from sweeplab.testing.contract_metrics import MetricContract
from sweeplab.testing.contract_queries import QueryContract
from sweeplab.testing.contract_records import RunContract, SnapshotContract, SweepContract


class StoreContract(
    SweepContract,
    RunContract,
    SnapshotContract,
    QueryContract,
    MetricContract,
    ClaimContract,
    LeaseContract,
    ConcurrencyContract,
):
    """Every clause of the contract in :mod:`sweeplab.store.base`; subclass and implement
    :meth:`make_store`."""

    def make_store(self, tmp_path: Path) -> Store:
        """A new, empty store (files, if any, under ``tmp_path``)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement make_store(tmp_path) to run the store contract"
        )

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        store = self.make_store(tmp_path)
        try:
            yield store
        finally:
            store.close()


__all__ = ["StoreContract"]
