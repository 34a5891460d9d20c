"""API keys: how they are made and how they are kept (hashed, never in plain text).

A key is 32 random bytes from :mod:`secrets`, shown once as ``slk_<urlsafe base64>``. The store
keeps only its SHA-256. A slow password hash (scrypt, bcrypt) exists to make guessing a
*human-chosen* secret expensive; a 256-bit random key cannot be guessed whatever the hash, so
a fast hash loses nothing and keeps the per-request check cheap.
"""

from __future__ import annotations

import hashlib
import secrets

from sweeplab.store.base import ApiKeyRecord, Store

KEY_PREFIX = "slk_"
_KEY_BYTES = 32


def generate_api_key() -> str:
    """A fresh random key (``slk_`` + 43 URL-safe characters)."""
    return KEY_PREFIX + secrets.token_urlsafe(_KEY_BYTES)


def hash_api_key(api_key: str) -> str:
    """The hex SHA-256 under which the store keeps ``api_key``."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def issue_api_key(store: Store, *, read_only: bool, name: str = "") -> tuple[str, ApiKeyRecord]:
    """Create a key in ``store``; returns the plain key (show it once) and its record."""
    api_key = generate_api_key()
    record = store.create_api_key(hash_api_key(api_key), read_only=read_only, name=name)
    return api_key, record
