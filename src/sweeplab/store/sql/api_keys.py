"""The SQL store's API-key queries (the ``api_keys`` table), as functions of a connection."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sweeplab.errors import ConflictError, NotFoundError
from sweeplab.store.base import ApiKeyRecord, new_id
from sweeplab.store.sql.tables import api_keys


def insert_key(
    connection: Connection, key_hash: str, read_only: bool, name: str, now: float
) -> ApiKeyRecord:
    """Insert a key; a hash already stored raises :class:`ConflictError`."""
    taken = connection.execute(
        sa.select(api_keys.c.key_id).where(api_keys.c.key_hash == key_hash)
    ).first()
    if taken is not None:
        raise ConflictError(f"an API key with this hash already exists (id {taken[0]})")
    record = ApiKeyRecord(
        key_id=new_id(12), key_hash=key_hash, read_only=read_only, name=name, created_at=now
    )
    connection.execute(
        api_keys.insert().values(
            key_id=record.key_id,
            key_hash=record.key_hash,
            read_only=record.read_only,
            name=record.name,
            created_at=record.created_at,
        )
    )
    return record


def find_key(connection: Connection, key_hash: str) -> ApiKeyRecord | None:
    row = connection.execute(sa.select(api_keys).where(api_keys.c.key_hash == key_hash)).first()
    return _record(row._mapping) if row is not None else None


def list_keys(connection: Connection) -> list[ApiKeyRecord]:
    query = sa.select(api_keys).order_by(api_keys.c.created_at, api_keys.c.key_id)
    return [_record(row) for row in connection.execute(query).mappings()]


def has_keys(connection: Connection) -> bool:
    return connection.execute(sa.select(api_keys.c.key_id).limit(1)).first() is not None


def delete_key(connection: Connection, key_id: str) -> None:
    deleted = connection.execute(api_keys.delete().where(api_keys.c.key_id == key_id))
    if deleted.rowcount == 0:
        raise NotFoundError(
            f"no API key with id {key_id!r}; `sweeplab server list-keys` shows them"
        )


def _record(row: Any) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=str(row["key_id"]),
        key_hash=str(row["key_hash"]),
        read_only=bool(row["read_only"]),
        name=str(row["name"]),
        created_at=float(row["created_at"]),
    )
