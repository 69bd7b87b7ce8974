"""Ids and pseudonyms of ledger rows: derived from names, the same on every load."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable


def derive_id(prefix: str, path: Iterable[str]) -> str:
    """A stable id from a name path (province → … → the row's own name): same names, same id."""
    digest = hashlib.sha1("\x1f".join(path).encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{digest}"


def pseudonym(table: str, name: str, context: str) -> str:
    """A stable pseudonym for a person's name, in its place (``context``).

    Keyed with ``PBGRAPH_PSEUDONYM_KEY`` when set (then a pseudonym cannot be recomputed
    from a guessed name without the key); the same key gives the same pseudonyms.
    """
    key = os.environ.get("PBGRAPH_PSEUDONYM_KEY", "pbgraph-pseudonym").encode("utf-8")
    digest = hmac.new(key, f"{table}\x1f{context}\x1f{name}".encode(), hashlib.sha256).hexdigest()[:10]
    return f"{'网格员' if table == 'workers' else '党员'}-{digest}"
