"""One router per resource of the JSON API (``/api/v1``), plus ``/healthz``.

Every route declares its auth decision (:mod:`sweeplab.server.auth`) on its decorator.
"""
