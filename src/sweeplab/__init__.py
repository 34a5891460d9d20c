"""sweeplab: self-hostable hyperparameter sweeps with a W&B-compatible API.

Importing this package does no work: submodules load on first use.
"""

from __future__ import annotations

from sweeplab.errors import ConfigError, SweeplabError

__version__ = "0.1.0"

__all__ = ["ConfigError", "SweeplabError", "__version__"]
