"""Interactive maps of a district's network for planners (``pbgraph.maps``).

:func:`build_map` reads an area's network from the graph (the area hierarchy as
the backbone, with organizations, units, agreements, grid workers and the three
lists hung on it), marks the gaps the canned questions find, aggregates above a
node budget (:mod:`.reduce`) and lays the result out (:mod:`.layout`).
:func:`to_pyvis` turns it into a pyvis network (:mod:`.style`); :func:`write_map`
writes one self-contained, offline HTML page (:mod:`.page`)::

    from pbgraph import maps
    m = maps.build_map(db="./demo.db", area="双塔北街道")
    maps.write_map(m, "map.html")
"""

from importlib import import_module
from typing import Any

#: Where each name lives: loaded on first use, so that ``pbgraph.maps.model`` (the CLI's option
#: defaults) does not pull in the page writer and the layout.
_WHERE = {
    "GAP_QUERIES": "build",
    "ID_COLUMNS": "build",
    "build_map": "build",
    "layout": "layout",
    "DEFAULT_BUDGET": "model",
    "DEFAULT_LAYERS": "model",
    "LAYERS": "model",
    "MapEdge": "model",
    "MapError": "model",
    "MapNode": "model",
    "NetworkMap": "model",
    "write_map": "page",
    "reduce_to_budget": "reduce",
    "style": "style",
    "to_pyvis": "style",
    "tooltip": "style",
}


def __getattr__(name: str) -> Any:
    """The package's names, loaded on first use (all at once, as an eager import would bind them)."""
    if name not in _WHERE:
        try:
            return import_module(f"{__name__}.{name}")  # a module of the package (``maps.gaps``)
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'pbgraph.maps' has no attribute {name!r}") from None
    for key, module in _WHERE.items():
        globals()[key] = getattr(import_module(f"{__name__}.{module}"), key)
    return globals()[name]


__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_LAYERS",
    "GAP_QUERIES",
    "ID_COLUMNS",
    "LAYERS",
    "MapEdge",
    "MapError",
    "MapNode",
    "NetworkMap",
    "build_map",
    "layout",
    "reduce_to_budget",
    "style",
    "to_pyvis",
    "tooltip",
    "write_map",
]
