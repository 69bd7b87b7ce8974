"""Canned queries: one ``.cypher`` file each, with a header of ``//`` comment lines.

The header keeps the file pasteable into Neo4j Browser::

    // name: coverage/oversized-grids
    // description: 户数超过标准的网格 | Grids whose households exceed the standard
    // param: area area = null | an area id or unambiguous name; only rows inside it
    // param: max_households int = 500 | the households standard per grid
    // columns: grid_id, grid, community, households

A ``param`` line is ``NAME TYPE [= DEFAULT] | description``; DEFAULT is a JSON
literal or ``today``. A parameter without a default is required.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ParamType = Literal["area", "int", "float", "str", "bool", "date", "list", "sectors"]

_PARAM = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*)\s+(?P<type>\w+)(?:\s*=\s*(?P<default>[^|]+?))?\s*(?:\|\s*(?P<doc>.*))?$"
)


class QueryFormatError(ValueError):
    """A ``.cypher`` file whose header does not follow the format."""


class ParamSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    type: ParamType
    required: bool = False
    default: Any = None
    #: ``today`` resolves to the local date when the query runs.
    default_today: bool = False
    doc: str = ""


class QuerySpec(BaseModel):
    """One canned query: its header and its Cypher text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9-]+/[a-z0-9-]+$")
    description: str
    params: tuple[ParamSpec, ...]
    columns: tuple[str, ...]
    text: str
    path: str

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
            elif key == "columns":
                header["columns"] = tuple(c.strip() for c in value.split(",") if c.strip())
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
        raise QueryFormatError(f"{path}:{lineno}: param line must be 'NAME TYPE [= DEFAULT] | description'")
    raw = m.group("default")
    spec: dict[str, Any] = {"name": m.group("name"), "type": m.group("type"), "doc": m.group("doc") or ""}
    if raw is None:
        spec["required"] = True
    elif raw.strip() == "today":
        spec["default_today"] = True
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
    return Path(str(resources.files("pbgraph.queries") / "packs"))


def load_queries(root: Path | None = None) -> dict[str, QuerySpec]:
    """Every query under ``root`` (default: the packs shipped with pbgraph), by name."""
    root = root or packs_root()
    out: dict[str, QuerySpec] = {}
    for file in sorted(root.glob("*/*.cypher")):
        spec = parse_query(file.read_text(encoding="utf-8"), str(file))
        expected = f"{file.parent.name}/{file.stem}"
        if spec.name != expected:
            raise QueryFormatError(f"{file}: header name {spec.name!r} should be {expected!r}")
        out[spec.name] = spec
    return out
