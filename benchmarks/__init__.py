"""Search benchmarks for sweeplab: test problems, method adapters and the two benchmark scripts.

Run the scripts as files (``python benchmarks/search_quality.py``); the package exists so the
scripts and ``tests/benchmarks`` share one set of problem definitions.
"""
