"""Static files of the dashboard: its own CSS and scripts, and plotly.js from the plotly wheel.

No JavaScript build step and no CDN: ``plotly.min.js`` is read from the installed ``plotly``
package (``plotly/package_data/plotly.min.js``) and the dashboard's own files ship as package
data. Names are looked up in a fixed table, so no request value ever reaches a file path.
Each file is read once, gzip-compressed once (plotly.js: 4.8 MB → 1.5 MB on the wire, which
keeps the 10,000-run sweep page under its 3 MB budget), and served with an ETag; pages link
them with ``?v=<version>`` so browsers may cache them for a year.

Compressing plotly.js takes ~0.15 s of CPU (more on a busy machine). Building the dashboard
starts it on a background thread (:meth:`AssetLibrary.prepare_in_background`; zlib releases the
GIL), so the first visitor's request for plotly.js does not wait for it: on the sweep page that
wait would come straight on top of plotly.js's own ~1 s of parsing in the browser. The
compressed file (~1.5 MB, plus the 4.8 MB original) is shared by every library in the process.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from sweeplab.errors import NotFoundError, SweeplabError

_MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}

# The dashboard's own files, by the name pages use.
OWN_ASSETS = (
    "dashboard.css",
    "common.js",
    "parallel.js",
    "runs.js",
    "run.js",
    "sweep.js",
    "favicon.svg",
)
PLOTLY_ASSET = "plotly.min.js"


@dataclass(frozen=True)
class Asset:
    """One file as served: its bytes, their gzip form, type and ETag."""

    body: bytes
    gzipped: bytes
    media_type: str
    etag: str


def plotly_js_path() -> Path:
    """Where the installed plotly wheel keeps ``plotly.min.js`` (without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "package_data" / PLOTLY_ASSET
        if candidate.is_file():
            return candidate
    raise NotFoundError(
        "plotly.min.js is not installed: the dashboard serves it from the plotly package; "
        "install it with `pip install 'plotly>=5'` (a dependency of sweeplab)"
    )


def make_asset(body: bytes, suffix: str) -> Asset:
    """``body`` as served: compressed once, with a content hash as its ETag."""
    return Asset(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        media_type=_MEDIA_TYPES.get(suffix, "application/octet-stream"),
        etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
    )


# plotly.js as served, by (path, mtime, size): one copy per process, however many dashboards
# (tests build hundreds). The lock is held while compressing, so a request that arrives
# meanwhile waits for that work instead of repeating it.
_plotly_lock = threading.Lock()
_plotly_assets: dict[tuple[str, int, int], Asset] = {}


def plotly_asset() -> Asset:
    """plotly.min.js from the installed wheel, compressed (NotFoundError if not installed)."""
    path = plotly_js_path()
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _plotly_lock:
        asset = _plotly_assets.get(key)
        if asset is None:
            asset = make_asset(path.read_bytes(), path.suffix)
            _plotly_assets.clear()  # a reinstalled plotly replaces the old copy
            _plotly_assets[key] = asset
    return asset


@functools.cache
def _plotly_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return "plotly-" + version("plotly")
    except PackageNotFoundError:
        return "missing"


class AssetLibrary:
    """Loads, compresses and caches the dashboard's static files on first request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._assets: dict[str, Asset] = {}
        self._preparing: threading.Thread | None = None

    def prepare_in_background(self) -> threading.Thread | None:
        """Compress plotly.js on a daemon thread unless that was started already (returns the
        thread it started, or None)."""
        with self._lock:
            if self._preparing is not None:
                return None
            self._preparing = threading.Thread(
                target=self._prepare, name="sweeplab-dashboard-assets", daemon=True
            )
        self._preparing.start()
        return self._preparing

    @staticmethod
    def _prepare() -> None:
        # A missing plotly is reported to the request that asks for it, not here.
        with contextlib.suppress(SweeplabError):
            plotly_asset()

    def version(self, name: str) -> str:
        """A short tag that changes when the file does (for ``?v=`` cache busting)."""
        if name == PLOTLY_ASSET:
            return _plotly_version()
        return self.get(name).etag.strip('"')[:12]

    def data_url(self, name: str) -> str:
        """``name``'s content as a ``data:`` URL. For the favicon: inline, it costs no request,
        which browsers would otherwise send after the page's load event, last of all."""
        asset = self.get(name)
        return f"data:{asset.media_type.split(';')[0]},{quote(asset.body, safe='')}"

    def url(self, name: str) -> str:
        """The path (below the app's root) under which ``name`` is served, versioned."""
        prefix = "/static/" if name == PLOTLY_ASSET else "/static/dashboard/"
        return f"{prefix}{name}?v={self.version(name)}"

    def get(self, name: str) -> Asset:
        """The asset called ``name``; NotFoundError for any name not in the fixed table."""
        if name == PLOTLY_ASSET:
            return plotly_asset()
        with self._lock:
            cached = self._assets.get(name)
        if cached is not None:
            return cached
        if name not in OWN_ASSETS:
            raise NotFoundError(f"no dashboard asset named {name!r}")
        package = resources.files("sweeplab.server.dashboard") / "static" / name
        asset = make_asset(package.read_bytes(), Path(name).suffix)
        with self._lock:
            self._assets[name] = asset
        return asset


def asset_response(asset: Asset, request: Request) -> Response:
    """The asset, gzipped if the client accepts it, 304 if its ETag matches."""
    versioned = "v" in request.query_params
    headers = {
        "ETag": asset.etag,
        "Cache-Control": "public, max-age=31536000, immutable" if versioned else "no-cache",
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
