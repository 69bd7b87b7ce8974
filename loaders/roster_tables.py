"""The roster tables of ``shared/spec/rosters.md`` as data.

One :class:`Table` per ledger: its columns, their types and vocabularies, and
which other table (or the graph) each reference column points into. The
reader, the validator, the writer and the generator all work from these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pbgraph.graph.schema import (
    AgreementKind,
    Label,
    Level,
    MembershipRole,
    OrgKind,
    ProjectStatus,
    Sector,
    WorkerRole,
)


@dataclass(frozen=True)
class Column:
    """One column: ``kind`` is str, int, bool, date or enum; ``ref`` names the tables an id may point into."""

    name: str
    required: bool = False
    kind: str = "str"
    vocab: type[StrEnum] | None = None
    ref: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    #: The node label this table's rows are (None: a relationship-only table).
    label: Label | None = None
    #: Columns that make a row unique (the id, or a pair for relationship tables).
    key: tuple[str, ...] = ("id",)
    doc: str = ""
    extension: bool = False
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _c(name: str, **kw: object) -> Column:
    return Column(name, **kw)  # type: ignore[arg-type]


def _r(name: str, **kw: object) -> Column:
    return Column(name, required=True, **kw)  # type: ignore[arg-type]


COUNT = {"kind": "int", "minimum": 0}

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "areas",
            (
                _r("id"),
                _r("name"),
                _r("level", kind="enum", vocab=Level),
                _c("parent_id", ref=("areas",)),
                _c("households", **COUNT),
                _c("code"),
            ),
            label=Label.AREA,
            doc="places: province → city → district → street/town → community/village → grid → building",
        ),
        Table(
            "orgs",
            (
                _r("id"),
                _r("name"),
                _r("kind", kind="enum", vocab=OrgKind),
                _c("area_id", ref=("areas",)),
                _c("parent_id", ref=("orgs",)),
            ),
            label=Label.PARTY_ORG,
            doc="party organizations; area_id = SEATED_IN, parent_id = the org that LEADS it",
        ),
        Table(
            "coverage",
            (_r("org_id", ref=("orgs",)), _r("area_id", ref=("areas",))),
            key=("org_id", "area_id"),
            doc="org COVERS area (grid party branch → grid, building group → building)",
        ),
        Table(
            "units",
            (
                _r("id"),
                _r("name"),
                _r("sector", kind="enum", vocab=Sector),
                _r("area_id", ref=("areas",)),
                _c("large", kind="bool"),
                _c("party_members", **COUNT),
                _c("party_org_id", ref=("orgs",)),
            ),
            label=Label.UNIT,
            doc="resident units (驻区单位) and where they sit",
        ),
        Table(
            "memberships",
            (
                _r("unit_id", ref=("units",)),
                _r("org_id", ref=("orgs",)),
                _c("role", kind="enum", vocab=MembershipRole),
                _c("since", kind="date"),
            ),
            key=("unit_id", "org_id"),
            doc="a unit's party head sits on a joint committee (大工委, 大党委, 区域党委)",
        ),
        Table(
            "agreements",
            (
                _r("id"),
                _r("kind", kind="enum", vocab=AgreementKind),
                _r("unit_id", ref=("units",)),
                _r("area_id", ref=("areas",)),
                _r("signed", kind="date"),
                _c("expires", kind="date"),
            ),
            label=Label.AGREEMENT,
            doc="agreements between a unit and a community or street (共驻共建, 双报到, 目标责任书)",
        ),
        Table(
            "workers",
            (_r("id"), _r("grid_id", ref=("areas",)), _c("role", kind="enum", vocab=WorkerRole)),
            label=Label.GRID_WORKER,
            doc="grid workers (网格员), pseudonymous",
        ),
        Table(
            "resources",
            (
                _r("id"),
                _r("name"),
                _r("category"),
                _r("owner_id", ref=("units", "areas")),
                _c("capacity", **COUNT),
            ),
            label=Label.RESOURCE,
            doc="the resource list (资源清单): who offers what, for how many demands",
        ),
        Table(
            "demands",
            (
                _r("id"),
                _r("name"),
                _r("category"),
                _r("area_id", ref=("areas",)),
                _c("households", **COUNT),
                _c("urgency", kind="int", minimum=1, maximum=5),
                _c("raised", kind="date"),
            ),
            label=Label.DEMAND,
            doc="the demand list (需求清单)",
        ),
        Table(
            "projects",
            (
                _r("id"),
                _r("name"),
                _r("status", kind="enum", vocab=ProjectStatus),
                _r("demand_id", ref=("demands",)),
                _c("resource_id", ref=("resources",)),
                _c("claimed_by", ref=("units",)),
            ),
            label=Label.PROJECT,
            doc="the project list (项目认领清单)",
        ),
        Table(
            "members",
            (
                _r("id"),
                _c("unit_id", ref=("units",)),
                _c("reported_to", ref=("areas",)),
                _c("reported_on", kind="date"),
            ),
            label=Label.MEMBER,
            doc="party members reporting to communities (双报到), pseudonymous",
        ),
        Table(
            "spans",
            (_r("region_id", ref=("areas",)), _r("area_id", ref=("areas",))),
            key=("region_id", "area_id"),
            doc="pbgraph extension: a party-building region SPANS streets or communities",
            extension=True,
        ),
    )
}

#: Load order: a table comes after every table it references.
ORDER: tuple[str, ...] = (
    "areas",
    "spans",
    "orgs",
    "coverage",
    "units",
    "memberships",
    "agreements",
    "workers",
    "resources",
    "demands",
    "projects",
    "members",
)

#: Which label an id in a referenced table has in the graph.
TABLE_LABEL: dict[str, Label] = {name: t.label for name, t in TABLES.items() if t.label is not None}

#: Levels an area must have where a reference points at a particular kind of area.
REF_LEVELS: dict[tuple[str, str], frozenset[str]] = {
    ("workers", "grid_id"): frozenset({"grid"}),
    ("members", "reported_to"): frozenset({"community"}),
    ("agreements", "area_id"): frozenset({"community", "street", "town", "village"}),
    ("spans", "region_id"): frozenset({"region"}),
}
