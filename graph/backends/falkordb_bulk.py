"""FalkorDB's bulk facility (``GRAPH.BULK``): a new graph from binary blobs, what ``falkordb-bulk-loader`` sends.

The format (from the ``falkordb-bulk-loader`` source): a call is
``GRAPH.BULK graph [BEGIN] node_count edge_count label_blobs reltype_blobs blob…`` — ``BEGIN``
on the first call only, which creates the graph. A label blob is the label (``Area:Grid``
gives both labels), NUL-terminated, a little-endian ``uint32`` property count, the property
names NUL-terminated, then per node one typed value per property. A relationship-type blob
is the same header, then per relationship the start and end node as ``uint64`` — nodes are
numbered from 0 in the order they were sent — and its values. A value is a type byte and its
payload: 0 null (the property is not set), 1 bool (one byte), 2 double, 3 NUL-terminated
UTF-8 string, 4 int64.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .base import NodeGroup, RelGroup

#: Bytes per call: well under the server's 512 MB argument limit, and a bounded buffer.
MAX_CALL_BYTES = 32 * 1024 * 1024

_LONG = struct.Struct("<Bq").pack
_DOUBLE = struct.Struct("<Bd").pack
_ENDS = struct.Struct("<QQ").pack
_COUNT = struct.Struct("<I").pack
_NULL, _TRUE, _FALSE = b"\x00", b"\x01\x01", b"\x01\x00"


class Unencodable(ValueError):
    """A value the bulk format cannot carry (a NUL inside a string, an integer beyond 64 bits, a list…)."""


def _value(v: Any) -> bytes:
    t = type(v)
    if t is str:
        if "\x00" in v:
            raise Unencodable("a string holds a NUL character")
        return b"\x03" + v.encode() + b"\x00"
    if v is None:
        return _NULL
    if t is bool:
        return _TRUE if v else _FALSE
    if t is int:
        try:
            return _LONG(4, v)
        except struct.error as e:
            raise Unencodable(f"{v} does not fit in 64 bits") from e
    if t is float:
        return _DOUBLE(2, v)
    raise Unencodable(f"values of type {t.__name__}")


def _header(name: str, props: list[str]) -> bytes:
    if "\x00" in name or any("\x00" in p for p in props):
        raise Unencodable("a name holds a NUL character")
    return name.encode() + b"\x00" + _COUNT(len(props)) + b"".join(p.encode() + b"\x00" for p in props)


@dataclass
class Call:
    """One ``GRAPH.BULK`` call's counts and blobs."""

    nodes: int = 0
    edges: int = 0
    labels: list[bytes] = field(default_factory=list)
    types: list[bytes] = field(default_factory=list)
    size: int = 0

    def args(self, first: bool) -> list[Any]:
        head: list[Any] = ["BEGIN"] if first else []
        return [*head, self.nodes, self.edges, len(self.labels), len(self.types), *self.labels, *self.types]


def calls(nodes: list[NodeGroup], relationships: list[RelGroup], limit: int = MAX_CALL_BYTES) -> Iterator[Call]:
    """The calls that create ``nodes`` (numbered in order) then ``relationships``; raises :class:`Unencodable`."""
    call = Call()
    for group in nodes:
        props = list(dict.fromkeys(k for _, row in group.rows for k in row))
        header = _header(":".join(group.labels), ["id", *props])
        parts: list[bytes] = [header]
        size = len(header)
        for node_id, row in group.rows:
            get = row.get
            entity = _value(node_id) + b"".join([_value(get(p)) for p in props])
            parts.append(entity)
            size += len(entity)
            call.nodes += 1
            if call.size + size >= limit:
                call.labels.append(b"".join(parts))
                yield call
                call, parts, size = Call(), [header], len(header)
        if len(parts) > 1:
            call.labels.append(b"".join(parts))
            call.size += size
    for rel in relationships:
        props = list(dict.fromkeys(k for _, _, p in rel.rows for k in p))
        header = _header(rel.type, props)
        parts, size = [header], len(header)
        for start, end, values in rel.rows:
            entity = _ENDS(start, end) + b"".join([_value(values.get(p)) for p in props])
            parts.append(entity)
            size += len(entity)
            call.edges += 1
            if call.size + size >= limit:
                call.types.append(b"".join(parts))
                yield call
                call, parts, size = Call(), [header], len(header)
        if len(parts) > 1:
            call.types.append(b"".join(parts))
            call.size += size
    if call.nodes or call.edges:
        yield call
