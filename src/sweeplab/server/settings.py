"""How a sweeplab server is configured: :class:`ServerSettings`, built by the CLI (or a test).

Nothing here reads the environment: the composition root (``sweeplab server``) decides and
passes a finished value to :func:`sweeplab.server.app.create_app`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def is_loopback_host(host: str) -> bool:
    """True for addresses only this machine can reach (``127.0.0.0/8``, ``::1``, ``localhost``).

    Anything else, including ``0.0.0.0`` and host names, counts as reachable from outside.
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerSettings:
    """A server's knobs; every field has a safe default.

    ``require_auth``: ``None`` decides by the data: keys are required as soon as the store holds
    one (an open server on loopback until ``sweeplab server create-key`` runs); ``True`` always
    requires a key (a store without keys then refuses every request but ``/healthz``);
    ``False`` never asks for one (embedding and tests; ``sweeplab server`` never sets it).
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    require_auth: bool | None = None
    # Requests larger than this are refused with 413 before any of their body is parsed.
    max_body_bytes: int = 8 * 1024 * 1024
    # How often the background task marks runs whose lease expired as crashed.
    reap_interval_seconds: float = 5.0
    # How often sweeps that received new metrics get their early termination judged.
    stopping_interval_seconds: float = 1.0
    # How long a verified API key is trusted without looking it up again (revocation delay).
    key_cache_seconds: float = 10.0
    # Served under a reverse proxy at a sub-path (``/sweeplab``): passed to the ASGI root_path.
    root_path: str = ""
