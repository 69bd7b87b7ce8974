"""Run canned queries by name, read-only, with parameters typed by the header.

>>> from pbgraph.queries.runner import run_query
>>> rows = run_query("coverage/uncovered-grids", db="./demo.db", area="光明街道")
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache, lru_cache
from typing import Any

from pbgraph.graph import Backend, Result, gc_paused, using
from pbgraph.graph.errors import PbgraphError
from pbgraph.graph.schema import Sector

from .model import ParamSpec, QuerySpec, load_queries, load_query

TRUE = {"true", "1", "yes", "是", "y"}
FALSE = {"false", "0", "no", "否", "n"}


class UnknownQuery(PbgraphError):
    """No canned query has that name."""


class BadParameter(PbgraphError):
    """A parameter is unknown, missing, or of the wrong type."""


class AreaNotFound(PbgraphError):
    """``area`` names no area in the graph."""


class AmbiguousArea(PbgraphError):
    """``area`` is a name several areas share."""


class AreaId(str):
    """An area id :func:`resolve_area` has checked: trusted as is wherever an area is expected."""


@lru_cache(maxsize=1)
def catalog() -> dict[str, QuerySpec]:
    """The shipped queries, parsed once per process."""
    return load_queries()


def list_queries(*, internal: bool = True) -> list[QuerySpec]:
    """Every canned query, sorted by name (``internal=False``: only the analysts' questions)."""
    return [catalog()[name] for name in sorted(catalog()) if internal or not catalog()[name].internal]


@cache
def _one_query(name: str) -> QuerySpec | None:
    return load_query(name)


def get_query(name: str) -> QuerySpec:
    """The query called ``name`` (read alone, unless the catalogue is loaded); an unknown name
    suggests the closest ones."""
    if not catalog.cache_info().currsize:
        spec = _one_query(name)
        if spec is not None:
            return spec
    queries = catalog()
    if name in queries:
        return queries[name]
    import difflib

    close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else "; see 'pbgraph query list'"
    raise UnknownQuery(f"no canned query named {name!r}{hint}")


def is_null(value: Any) -> bool:
    """None, or the text ``null``: the parameter is not given (its default applies)."""
    return value is None or (isinstance(value, str) and value.strip().lower() == "null")


def coerce(spec: ParamSpec, value: Any, query: str) -> Any:
    """``value`` (from Python or a command-line string) as the header's type, within its range.

    The one place a parameter is typed: lists from ``a,b`` or a JSON list, dates from
    ISO text or a date, numbers from text; see :func:`is_null` for ``null``.
    """
    if value is None:
        return None
    where = f"parameter {spec.name!r} of {query}"
    typed = _typed(spec, value, where)
    if isinstance(typed, (int, float)) and not isinstance(typed, bool):
        low, high = spec.min, spec.max
        if (low is not None and typed < low) or (high is not None and typed > high):
            bounds = f"{'' if low is None else f'{low:g}'}..{'' if high is None else f'{high:g}'}"
            raise BadParameter(f"{where} must be within {bounds}, not {value!r}")
    return typed


def _typed(spec: ParamSpec, value: Any, where: str) -> Any:
    try:
        if spec.type in ("str", "area"):
            if not isinstance(value, str):
                raise TypeError
            return value
        if spec.type == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise TypeError
            return int(value)
        if spec.type == "float":
            if isinstance(value, bool):
                raise TypeError
            return float(value)
        if spec.type == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in TRUE | FALSE:
                return text in TRUE
            raise ValueError
        if spec.type == "date":
            text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
            return dt.date.fromisoformat(text).isoformat()
        if spec.type in ("list", "sectors"):
            if isinstance(value, str) and value.strip().startswith("["):
                try:
                    value = json.loads(value)
                except ValueError as e:
                    raise BadParameter(f"{where}: {value!r} is not a JSON list ({e})") from e
                if not isinstance(value, list):
                    raise TypeError
            items = value.split(",") if isinstance(value, str) else list(value)
            out = [str(v).strip() for v in items if str(v).strip()]
            if spec.type == "sectors":
                allowed = [s.value for s in Sector]
                unknown = [v for v in out if v not in allowed]
                if unknown:
                    raise BadParameter(f"{where}: unknown sector {unknown[0]!r} (allowed: {', '.join(allowed)})")
            return out
    except (TypeError, ValueError):
        pass
    example = {
        "int": "500",
        "float": "0.5",
        "bool": "true",
        "date": "2025-06-30",
        "list": 'police_station,property_company or ["a","b"]',
        "sectors": "police_station,school",
        "str": "text",
        "area": "光明街道",
    }[spec.type]
    raise BadParameter(f"{where} must be {spec.type} (e.g. {example}), not {value!r}")


def resolve_area(backend: Backend, ref: str) -> AreaId:
    """An area id from an id, an unambiguous name or a name with its parents (an :class:`AreaId` is returned as is)."""
    if isinstance(ref, AreaId):
        return ref
    rows = backend.read("MATCH (a:Area {id: $ref}) RETURN a.id AS id", {"ref": ref}).rows
    if rows:
        return AreaId(rows[0][0])
    *quals, name = [p.strip() for p in _SLASH.split(ref)] or [""]
    rows = backend.read(
        "MATCH (a:Area {name: $ref}) OPTIONAL MATCH (a)-[:PART_OF]->(p:Area) "
        "RETURN a.id AS id, a.level AS level, p.name AS parent ORDER BY id",
        {"ref": name},
    ).rows
    if quals and rows:  # a name with its parents, as a ledger (台账) writes it: 新华街道/和平社区
        chains = _ancestors(backend, [r[0] for r in rows])
        rows = [r for r in rows if _in_order(quals, chains.get(r[0], []))]
    if not rows:
        raise AreaNotFound(f"no area has the id or name {ref!r}; check the spelling or 'pbgraph status'")
    if len({r[0] for r in rows}) > 1:
        listed = "; ".join(f"{r[2]}/{name} ({r[0]}, {r[1]})" if r[2] else f"{name} ({r[0]}, {r[1]})" for r in rows)
        raise AmbiguousArea(
            f"area name {ref!r} is shared by several areas: {listed}; pass one id, or the name with its parent"
        )
    return AreaId(rows[0][0])


_SLASH = re.compile(r"[/／]")


def _ancestors(backend: Backend, ids: list[str]) -> dict[str, list[str]]:
    """Each area's ancestors' names, nearest last (the order a name path writes them)."""
    rows = backend.read(
        "MATCH chain = (a:Area)-[:PART_OF*1..12]->(p:Area) WHERE a.id IN $ids "
        "RETURN a.id AS id, p.name AS name, length(chain) AS depth",
        {"ids": ids},
    ).rows
    chains: dict[str, list[tuple[int, str]]] = {}
    for aid, name, depth in rows:
        chains.setdefault(aid, []).append((depth, name))
    return {aid: [n for _, n in sorted(found, reverse=True)] for aid, found in chains.items()}


def _in_order(quals: list[str], ancestors: list[str]) -> bool:
    it = iter(ancestors)
    return all(q in it for q in quals)


def bind(spec: QuerySpec, backend: Backend, params: dict[str, Any]) -> dict[str, Any]:
    """Validate ``params`` against the header: unknown or missing names, types, defaults, areas."""
    unknown = sorted(set(params) - {p.name for p in spec.params})
    if unknown:
        known = ", ".join(p.name for p in spec.params) or "none"
        raise BadParameter(f"{spec.name} has no parameter {', '.join(unknown)} (it takes: {known})")
    bound: dict[str, Any] = {}
    for p in spec.params:
        if p.name in params and not is_null(params[p.name]):
            value = coerce(p, params[p.name], spec.name)
        elif p.required:
            raise BadParameter(f"{spec.name} needs parameter {p.name!r} ({p.type}): {p.doc}")
        elif p.default_today:
            value = (dt.date.today() + dt.timedelta(days=p.today_offset)).isoformat()
        else:
            value = p.default
        if p.type == "area" and value is not None:
            value = str(resolve_area(backend, value))
        bound[p.name] = value
    return bound


def query_result(name: str, db: Backend | str | None = None, **params: Any) -> Result:
    """Run a canned query read-only and return its rows as lists (the fast path for big answers)."""
    spec = get_query(name)
    with using(db) as backend:
        bound = bind(spec, backend, params)
        result = backend.read_typed(spec.text, bound, spec.types) if spec.types else backend.read(spec.text, bound)
    if tuple(result.columns) != spec.columns:
        raise PbgraphError(f"{spec.name} returned columns {result.columns}, its header promises {list(spec.columns)}")
    return result


def run_query(
    name: str, db: Backend | str | None = None, *, limit: int | None = None, **params: Any
) -> list[dict[str, Any]]:
    """Run a canned query read-only; rows are dicts keyed by the header's columns, in order."""
    result = query_result(name, db, **params)
    if limit is not None:
        result.rows = result.rows[:limit]
    with gc_paused():
        return result.records()
