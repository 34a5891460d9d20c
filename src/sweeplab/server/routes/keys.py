"""``/api/v1/keys``: list, create and revoke API keys (read-write keys only).

A new key is shown once, in the creation answer; the store keeps only its hash. On an open
server (no key yet) creating the first key switches authentication on.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from sweeplab.server.api_keys import issue_api_key
from sweeplab.server.auth import require_write
from sweeplab.server.routes.params import KeyIdPath
from sweeplab.server.state import StoreDep
from sweeplab.wire.models import ApiKeyCreatedOut, ApiKeyListOut, ApiKeyOut
from sweeplab.wire.requests import ApiKeyCreate

router = APIRouter(prefix="/api/v1", tags=["keys"])


@router.get("/keys", response_model=ApiKeyListOut, dependencies=[Depends(require_write)])
def list_keys(store: StoreDep) -> ApiKeyListOut:
    return ApiKeyListOut(keys=[ApiKeyOut.from_record(key) for key in store.list_api_keys()])


@router.post(
    "/keys", status_code=201, response_model=ApiKeyCreatedOut, dependencies=[Depends(require_write)]
)
def create_key(body: ApiKeyCreate, store: StoreDep) -> ApiKeyCreatedOut:
    api_key, record = issue_api_key(store, read_only=body.read_only, name=body.name)
    return ApiKeyCreatedOut(api_key=api_key, key=ApiKeyOut.from_record(record))


@router.delete("/keys/{key_id}", status_code=204, dependencies=[Depends(require_write)])
def delete_key(key_id: KeyIdPath, store: StoreDep) -> Response:
    """Revoke a key (servers trust a cached key for a few seconds more)."""
    store.delete_api_key(key_id)
    return Response(status_code=204)
