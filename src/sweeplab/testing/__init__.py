"""Contract suites that every implementation must pass (imports pytest; for tests only).

- :mod:`sweeplab.testing.store_contract`: subclass :class:`StoreContract` and implement
  ``make_store`` to run the whole store contract against a store.
"""
