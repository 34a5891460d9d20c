"""Jinja2 templates for the dashboard pages, with autoescaping on for every template.

Every value a user controls (run names, config values, notes) reaches HTML only through a
template expression, which Jinja escapes; scripts never receive data inline (they read
``data-*`` attributes or fetch JSON), and pages carry a Content-Security-Policy that forbids
inline scripts, so even an escaping slip could not run injected code.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import Response

from sweeplab.server.dashboard.assets import AssetLibrary
from sweeplab.server.dashboard.responses import compressed_response

# Scripts load only from this server; inline scripts and eval are forbidden. (plotly.js needs
# 'unsafe-eval' only for its WebGL traces, which compile draw calls with Function; the dashboard
# draws none: its parallel coordinates are drawn by parallel.js on a 2D canvas.)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def make_environment(assets: AssetLibrary) -> Environment:
    """The template environment: package templates, autoescape on, undefined names fail."""
    environment = Environment(
        loader=PackageLoader("sweeplab.server.dashboard", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = format_number
    environment.filters["value"] = format_value
    environment.filters["time"] = format_time
    environment.filters["duration"] = format_duration
    environment.filters["path"] = quote_path
    environment.globals["asset_url"] = assets.url
    environment.globals["asset_data_url"] = assets.data_url
    return environment


def base_path(request: Request) -> str:
    """Where the app is mounted (``root_path`` behind a reverse proxy), without a final slash."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def render(
    environment: Environment,
    request: Request,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> Response:
    """Render ``template`` with the common context (base path, query helpers)."""
    base = base_path(request)
    full = {
        "base": base,
        "request_path": request.url.path,
        "query_with": lambda **changes: query_with(request, **changes),
        **context,
    }
    html = environment.get_template(template).render(full)
    return compressed_response(
        request,
        html.encode("utf-8"),
        "text/html; charset=utf-8",
        status_code,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )


def query_with(request: Request, **changes: Any) -> str:
    """The current query string with some parameters replaced (None removes, lists repeat)."""
    pairs: list[tuple[str, str]] = [
        (key, value) for key, value in request.query_params.multi_items() if key not in changes
    ]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            pairs.extend((key, str(item)) for item in value)
        else:
            pairs.append((key, str(value)))
    return "?" + urlencode(pairs) if pairs else "?"


def quote_path(value: Any) -> str:
    """A value made safe as one path segment (a project named ``a/b`` stays one segment)."""
    return quote(str(value), safe="")


def format_number(value: Any) -> str:
    """Floats to 4 significant digits (NaN and ±Inf spelled out), ints with separators."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return f"{value:.4g}"
    return str(value)


def format_value(value: Any, limit: int = 120) -> str:
    """Any config or summary value as short text (numbers formatted, containers as JSON)."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, sort_keys=True, default=str)
        except ValueError:
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_time(seconds: float | None) -> str:
    """Unix seconds as ``YYYY-MM-DD HH:MM:SS`` UTC (empty for missing)."""
    if not seconds:
        return ""
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def format_duration(seconds: float | None) -> str:
    """``1h 02m``, ``3m 04s``, ``5.2s``."""
    if seconds is None or seconds < 0 or not math.isfinite(seconds):
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"
