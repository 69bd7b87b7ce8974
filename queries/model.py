"""Canned queries: one ``.cypher`` file each, with a header of ``//`` comment lines.

The header keeps the file pasteable into Neo4j Browser::

    // name: coverage/oversized-grids
    // description: 户数超过标准的网格 | Grids whose households exceed the standard
    // param: area area = null | an area id or unambiguous name; only rows inside it
    // param: max_households int = 500 [1..] | the households standard per grid
    // columns: grid_id, grid, community, households

A ``param`` line is ``NAME TYPE [= DEFAULT] [[MIN..MAX]] | description``; DEFAULT is
a JSON literal, ``today`` or ``today+DAYS``; the optional range bounds a number
(either end may be left open). A parameter without a default is required.
``// internal: true`` marks a query that pbgraph itself runs (maps, exports):
it is not listed among the analysts' questions. ``// types: str, int, …`` (optional)
promises that each column holds only strings or only integers (or nulls): the
embedded engine then returns big answers without a type tag on every value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

ParamType = Literal["area", "int", "float", "str", "bool", "date", "list", "sectors"]

_PARAM = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*)\s+(?P<type>\w+)(?:\s*=\s*(?P<default>[^|]+?))?"
    r"(?:\s*\[(?P<min>-?[0-9.]*)\.\.(?P<max>-?[0-9.]*)\])?\s*(?:\|\s*(?P<doc>.*))?$"
)
_NAME = re.compile(r"^[a-z0-9-]+/[a-z0-9-]+$")
_TODAY = re.compile(r"^today(?:\s*\+\s*(?P<days>[0-9]+))?$")


class QueryFormatError(ValueError):
    """A ``.cypher`` file whose header does not follow the format."""


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: ParamType
    required: bool = False
    default: Any = None
    #: ``today`` (``today+N``) resolves to the local date (N days on) when the query runs.
    default_today: bool = False
    today_offset: int = 0
    #: bounds of a number parameter, from ``[MIN..MAX]`` in the header
    min: float | None = None
    max: float | None = None
    doc: str = ""

    def __post_init__(self) -> None:
        if self.type not in get_args(ParamType):
            raise ValueError(
                f"parameter {self.name!r}: unknown type {self.type!r} (one of {', '.join(get_args(ParamType))})"
            )

    @property
    def signature(self) -> str:
        """``name type = default [min..max]`` as the header writes it."""
        text = f"{self.name} {self.type}"
        if self.required:
            pass
        elif self.default_today:
            text += " = today" + (f"+{self.today_offset}" if self.today_offset else "")
        else:
            text += " = " + json.dumps(self.default, ensure_ascii=False)
        if self.min is not None or self.max is not None:
            bound = ["" if b is None else f"{b:g}" for b in (self.min, self.max)]
            text += f" [{bound[0]}..{bound[1]}]"
        return text


@dataclass(frozen=True)
class QuerySpec:
    """One canned query: its header and its Cypher text."""

    name: str
    description: str
    params: tuple[ParamSpec, ...]
    columns: tuple[str, ...]
    text: str
    path: str
    #: run by pbgraph itself (maps, exports), not one of the analysts' questions
    internal: bool = False
    #: each column's type, ``str`` or ``int`` (nulls allowed), from ``// types:``; None: any values
    types: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"query name {self.name!r} must be pack/name (lower case letters, digits, dashes)")
        if self.types is not None and (len(self.types) != len(self.columns) or not set(self.types) <= {"str", "int"}):
            raise ValueError(f"types must give str or int for each of the {len(self.columns)} columns")

    @property
    def pack(self) -> str:
        return self.name.split("/", 1)[0]

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


def parse_query(source: str, path: str = "<string>") -> QuerySpec:
    """Parse one ``.cypher`` file's header and body."""
    header: dict[str, Any] = {"params": []}
    body: list[str] = []
    in_header = True
    for lineno, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if in_header and stripped.startswith("//"):
            key, sep, value = stripped[2:].strip().partition(":")
            if not sep:
                continue  # a plain comment line in the header
            key, value = key.strip(), value.strip()
            if key == "param":
                header["params"].append(_parse_param(value, path, lineno))
            elif key in ("name", "description"):
                header[key] = value
            elif key == "internal":
                if value not in ("true", "false"):
                    raise QueryFormatError(f"{path}:{lineno}: internal must be true or false")
                header["internal"] = value == "true"
            elif key == "columns":
                header["columns"] = tuple(c.strip() for c in value.split(",") if c.strip())
            elif key == "types":
                header["types"] = tuple(c.strip() for c in value.split(",") if c.strip())
            else:
                raise QueryFormatError(f"{path}:{lineno}: unknown header field {key!r}")
            continue
        if stripped:
            in_header = False
        body.append(line)
    text = "\n".join(body).strip()
    for field in ("name", "description", "columns"):
        if field not in header:
            raise QueryFormatError(f"{path}: header lacks '// {field}:'")
    if not text:
        raise QueryFormatError(f"{path}: no Cypher after the header")
    try:
        return QuerySpec(text=text, path=path, params=tuple(header.pop("params")), **header)
    except ValueError as e:
        raise QueryFormatError(f"{path}: {e}") from e


def _parse_param(value: str, path: str, lineno: int) -> ParamSpec:
    m = _PARAM.match(value)
    if not m:
        raise QueryFormatError(
            f"{path}:{lineno}: param line must be 'NAME TYPE [= DEFAULT] [[MIN..MAX]] | description'"
        )
    raw = m.group("default")
    spec: dict[str, Any] = {"name": m.group("name"), "type": m.group("type"), "doc": m.group("doc") or ""}
    for bound in ("min", "max"):
        if m.group(bound):
            try:
                spec[bound] = float(m.group(bound))
            except ValueError as e:
                raise QueryFormatError(f"{path}:{lineno}: range bound {m.group(bound)!r} is not a number") from e
    today = _TODAY.match(raw.strip()) if raw is not None else None
    if raw is None:
        spec["required"] = True
    elif today:
        spec["default_today"] = True
        spec["today_offset"] = int(today.group("days") or 0)
    else:
        try:
            spec["default"] = json.loads(raw)
        except ValueError as e:
            raise QueryFormatError(f"{path}:{lineno}: default {raw!r} is not a JSON literal or 'today'") from e
    try:
        return ParamSpec(**spec)
    except ValueError as e:
        raise QueryFormatError(f"{path}:{lineno}: {e}") from e


def packs_root() -> Path:
    """The folder of query packs inside the installed package (or the source tree)."""
    return Path(__file__).parent / "packs"  # the wheel carries them beside this module


def load_queries(root: Path | None = None) -> dict[str, QuerySpec]:
    """Every query under ``root`` (default: the packs shipped with pbgraph), by name."""
    root = root or packs_root()
    out: dict[str, QuerySpec] = {}
    for file in sorted(root.glob("*/*.cypher")):
        spec = _load_file(file)
        out[spec.name] = spec
    return out


_NAME = re.compile(r"[a-z0-9_-]+/[a-z0-9_-]+")


def load_query(name: str, root: Path | None = None) -> QuerySpec | None:
    """The one query ``name`` (``pack/query``), read alone; None when there is no such file."""
    if not _NAME.fullmatch(name):
        return None
    file = (root or packs_root()) / f"{name}.cypher"
    return _load_file(file) if file.is_file() else None


def _load_file(file: Path) -> QuerySpec:
    spec = parse_query(file.read_text(encoding="utf-8"), str(file))
    expected = f"{file.parent.name}/{file.stem}"
    if spec.name != expected:
        raise QueryFormatError(f"{file}: header name {spec.name!r} should be {expected!r}")
    return spec
