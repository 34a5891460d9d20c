"""The sweeplab server: ``create_app(store, settings)`` builds the FastAPI app.

Nothing is imported or started at import time; ``sweeplab server`` (the CLI) builds the
settings and the store and runs the app under uvicorn. See ``docs/server.md``.
"""
