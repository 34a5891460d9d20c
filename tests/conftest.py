"""Fixtures for the whole test tree."""

# The throwaway PostgreSQL cluster (session-scoped, so store and end-to-end tests share one):
# postgres_cluster, postgres_url, postgres_empty_url.
pytest_plugins = ["sweeplab.testing.postgres"]
