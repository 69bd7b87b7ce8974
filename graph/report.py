"""Typed reports: what an operation read, changed or found, as a dataclass with ``to_dict()``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from .backends.base import plain


class Report:
    """Mixin for report dataclasses: ``to_dict()`` gives plain JSON-ready data (tuples as lists)."""

    def to_dict(self) -> dict[str, Any]:
        if not dataclasses.is_dataclass(self):  # pragma: no cover - a programming error
            raise TypeError(f"{type(self).__name__} is not a dataclass")
        return plain({f.name: _records(getattr(self, f.name)) for f in dataclasses.fields(self)})


def _records(value: Any) -> Any:
    """Named tuples as dicts (``plain`` would make them lists), inside lists too."""
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: _records(v) for k, v in value._asdict().items()}
    if isinstance(value, list | Sequence) and not isinstance(value, str | bytes | tuple):
        return [_records(v) for v in value]
    return value
