"""Importing an integration's framework, or saying which extra installs it."""

from __future__ import annotations

import importlib
from types import ModuleType

from sweeplab.errors import MissingExtraError


def require(module_name: str, *, framework: str, extra: str, integration: str) -> ModuleType:
    """Import ``module_name`` or raise :class:`MissingExtraError` naming ``extra``.

    Any ``ImportError`` counts (a missing package, or a broken install whose import fails);
    the original error is chained, so its cause stays visible.
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        raise MissingExtraError(framework, extra, integration, str(error)) from error


def require_first(
    module_names: tuple[str, ...], *, framework: str, extra: str, integration: str
) -> ModuleType:
    """The first of ``module_names`` that imports (e.g. ``lightning.pytorch``, then
    ``pytorch_lightning``), or :class:`MissingExtraError` with the first one's error."""
    first_error: ImportError | None = None
    for module_name in module_names:
        try:
            return importlib.import_module(module_name)
        except ImportError as error:
            first_error = first_error or error
    raise MissingExtraError(framework, extra, integration, str(first_error)) from first_error
