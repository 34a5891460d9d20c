"""The HTTP contract between a sweeplab server and its clients.

- :mod:`~sweeplab.wire.models`: request and response bodies (pydantic), with conversions to
  and from the domain records;
- :mod:`~sweeplab.wire.limits`: the bounds every input is checked against;
- :mod:`~sweeplab.wire.errors`: error codes ↔ HTTP status, the error body;
- :mod:`~sweeplab.wire.client`: :class:`ApiClient`, the httpx client with retries.

Non-finite floats: JSON has no NaN or ±Inf. Where the schema says *float* (metric values,
histories) they travel as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``; inside
free-form JSON (configs, summaries) a string could be a real string, so there they travel
tagged as ``{"$float": "NaN"}`` (the tag the SQL store uses for the same reason).

Nothing here is imported by ``import sweeplab``; pydantic and httpx load on first use.
"""
