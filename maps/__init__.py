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

from .build import GAP_QUERIES, ID_COLUMNS, build_map
from .layout import layout
from .model import DEFAULT_BUDGET, DEFAULT_LAYERS, LAYERS, MapEdge, MapError, MapNode, NetworkMap
from .page import write_map
from .reduce import reduce_to_budget
from .style import style, to_pyvis, tooltip

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
