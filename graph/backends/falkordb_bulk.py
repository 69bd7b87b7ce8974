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

import bisect
import itertools
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


def _column(values: list[Any]) -> list[bytes]:
    """Each value of one property, encoded; a column of one type (and nulls) in one pass."""
    types = set(map(type, values))
    types.discard(type(None))
    if types == {str}:
        if "\x00" in "".join([v for v in values if v is not None]):
            raise Unencodable("a string holds a NUL character")
        return [_NULL if v is None else b"\x03" + v.encode() + b"\x00" for v in values]
    if types == {int}:
        known: dict[int, bytes] = {}  # counts repeat: pack each once
        out = []
        for v in values:
            if v is None:
                out.append(_NULL)
            elif (b := known.get(v)) is not None:
                out.append(b)
            else:
                out.append(known.setdefault(v, _value(v)))
        return out
    if types == {bool}:
        return [_NULL if v is None else _TRUE if v else _FALSE for v in values]
    return [_value(v) for v in values]


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
    """The calls that create ``nodes`` (numbered in order) then ``relationships``; raises :class:`Unencodable`.

    A call holds at most ``limit`` bytes of blobs (or one entity, when a single one is bigger).
    """
    call = Call()
    for header, columns, is_node in _blocks(nodes, relationships):
        entities = columns[0] if len(columns) == 1 else list(map(b"".join, zip(*columns, strict=True)))
        start = 0
        ends_at = list(itertools.accumulate(map(len, entities)))  # bytes up to and including each entity
        while start < len(entities):
            before = ends_at[start - 1] if start else 0
            room = limit - call.size - len(header)
            stop = bisect.bisect_right(ends_at, before + room, lo=start)
            if stop == start and (call.nodes or call.edges):  # not even one more fits: send what we have
                yield call
                call = Call()
                continue
            stop = max(stop, start + 1)
            blob = header + b"".join(entities[start:stop])
            (call.labels if is_node else call.types).append(blob)
            if is_node:
                call.nodes += stop - start
            else:
                call.edges += stop - start
            call.size += len(blob)
            start = stop
            if start < len(entities):
                yield call
                call = Call()
    if call.nodes or call.edges:
        yield call


def _blocks(nodes: list[NodeGroup], relationships: list[RelGroup]) -> Iterator[tuple[bytes, list[list[bytes]], bool]]:
    """Per group, in order: its blob header, its encoded columns, and whether it holds nodes (one at a time)."""
    for g in nodes:
        yield _header(":".join(g.labels), list(g.columns)), [_column(c) for c in g.columns.values()], True
    for rel in relationships:
        ends = list(map(_ENDS, rel.starts, rel.ends))
        yield _header(rel.type, list(rel.columns)), [ends, *(_column(c) for c in rel.columns.values())], False
