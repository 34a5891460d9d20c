"""``ApiClient``: the one place a sweeplab client talks HTTP (httpx), with retries.

Every call sends a request model as JSON and parses the answer into a response model; an
error answer is re-raised as the sweeplab exception it stands for
(:func:`sweeplab.wire.errors.error_from_body`). Retries follow
:class:`~sweeplab.wire.retry.RetryPolicy`; when they run out, a connection failure raises
:class:`~sweeplab.errors.ServerUnavailableError` saying which server could not be reached.

One client may be shared by any number of threads (httpx's connection pool is thread-safe).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from sweeplab import __version__
from sweeplab.errors import ServerUnavailableError
from sweeplab.wire.errors import error_from_body
from sweeplab.wire.retry import RetryPolicy, is_retryable_status, parse_retry_after

API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT_SECONDS = 30.0

ResponseT = TypeVar("ResponseT", bound=BaseModel)
QueryParams = Mapping[str, str | int | float | bool | Sequence[str]]


class ApiClient:
    """A client of the sweeplab server at ``base_url`` (``http://host:8080``, or with the
    sub-path a reverse proxy serves it under).

    ``transport`` replaces the network (``httpx.ASGITransport(app)`` runs the server
    in-process in tests); ``sleep`` and ``rng`` make retries testable without waiting.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        headers = {"User-Agent": f"sweeplab/{__version__}", "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            base_url=self.base_url + API_PREFIX,
            headers=headers,
            timeout=timeout_seconds,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def call(
        self,
        method: str,
        path: str,
        response: type[ResponseT],
        *,
        body: BaseModel | None = None,
        params: QueryParams | None = None,
    ) -> ResponseT:
        """Send ``body`` to ``path`` (under ``/api/v1``) and parse the answer as ``response``."""
        http_response = self.send(method, path, body=body, params=params)
        try:
            return response.model_validate_json(http_response.content)
        except ValidationError as error:
            raise ServerUnavailableError(
                f"{method} {self.base_url}{API_PREFIX}{path}: the server's answer is not a "
                f"valid {response.__name__} ({error.error_count()} problems; is this a sweeplab "
                f"server of a compatible version?)"
            ) from error

    def send(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        params: QueryParams | None = None,
    ) -> httpx.Response:
        """The successful response to one request, after retries; errors raised as above."""
        content = body.model_dump_json().encode("utf-8") if body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else None
        where = f"{method} {self.base_url}{API_PREFIX}{path}"
        for attempt in range(self.retry.attempts):
            last = attempt == self.retry.attempts - 1
            try:
                response = self._http.request(
                    method, path, content=content, params=params, headers=headers
                )
            except httpx.TransportError as error:
                if last:
                    raise ServerUnavailableError(
                        f"{where}: cannot reach the sweeplab server after "
                        f"{self.retry.attempts} tries ({type(error).__name__}: {error}); check "
                        "that `sweeplab server` runs there and SWEEPLAB_BASE_URL is right"
                    ) from error
                self._sleep(self.retry.delay_seconds(attempt, self._rng))
                continue
            if response.is_success:
                return response
            if is_retryable_status(response.status_code) and not last:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                self._sleep(self.retry.delay_seconds(attempt, self._rng, retry_after))
                continue
            raise error_from_body(response.status_code, _json_or_text(response), where)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _json_or_text(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return response.text
