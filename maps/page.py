"""The offline HTML page of a map: our own template, vis-network inlined from the pyvis wheel.

pyvis's template loads Bootstrap and vis-network from CDNs and builds tooltips with
``innerHTML``; this page has zero external references, carries the graph as JSON in a
``<script type="application/json">`` block, and builds every tooltip from text nodes,
so no text from the graph is ever parsed as HTML.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .gaps import GAP_KINDS, kind_totals, node_gaps, place_gaps
from .model import LABEL_NAMES, LEVEL_NAMES, MapNode, NetworkMap
from .style import GAP_COLOUR, HIGHLIGHT_COLOUR, PALETTE, to_pyvis, tooltip

VIS_VERSION = "vis-9.1.2"


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """vis-network's script and stylesheet as shipped inside the installed pyvis wheel."""
    lib = resources.files("pyvis") / "templates" / "lib" / VIS_VERSION
    return (lib / "vis-network.min.js").read_text(encoding="utf-8"), (lib / "vis-network.css").read_text(
        encoding="utf-8"
    )


def script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: nothing in it can close the element or start markup."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(raw, escaped)
    return text


def _inline(code: str, tag: str) -> str:
    """Third-party code inlined verbatim, refusing anything that would end its element early."""
    if f"</{tag}" in code.lower():
        raise ValueError(f"the inlined {tag} contains '</{tag}'")
    return code


FONT = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif"


@lru_cache(maxsize=1)
def page_assets() -> tuple[str, str]:
    """The page's own script and stylesheet (``page.js``, ``page.css`` beside this module)."""
    here = resources.files(__package__)
    css = (here / "page.css").read_text(encoding="utf-8").replace("FONT", FONT).replace("GAP", GAP_COLOUR)
    return (here / "page.js").read_text(encoding="utf-8"), css


ERROR_TRAP = """
window.pbgraphErrors = [];
window.addEventListener('error', function (e) { window.pbgraphErrors.push(String(e.message)); });
(function () {
  var original = console.error;
  console.error = function () {
    window.pbgraphErrors.push(Array.prototype.map.call(arguments, String).join(' '));
    return original.apply(console, arguments);
  };
})();
"""

SHAPE_NAMES = {
    "Area": "● 区域 area (size by level)",
    "PartyOrg": "◆ 党组织 party org (★ joint committee)",
    "Unit": "■ 驻区单位 resident unit",
    "GridWorker": "▼ 网格员 grid worker",
    "Resource": "▲ 资源 resource",
    "Demand": "● 需求 demand",
    "Project": "⬢ 项目 project",
    "Statement": "▭ 文件表述 statement",
    "Mechanism": "⬭ 机制 mechanism",
}


def options() -> dict[str, Any]:
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": True, "dragNodes": False},
        "nodes": {"font": {"face": FONT, "size": 14}},
        "edges": {
            "smooth": False,
            "color": {"color": "#aaaaaa", "highlight": "#333333"},
            "font": {"face": FONT, "size": 11, "align": "middle"},
            "scaling": {"label": {"drawThreshold": 8}},  # edge texts once zoomed in
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.4}},
        },
    }


def tier(m: NetworkMap, n: MapNode) -> int:
    """How prominent a node's label is: 0 the map's top area, 1 streets, 2 communities, 3 grids, 4 the rest."""
    if not n.is_area:
        return 4
    if n.members is not None:  # "11 社区" stands for many places: named once zoomed in
        return 3
    if n.parent not in m.nodes or n.kind in ("province", "city", "district"):
        return 0
    return {"region": 1, "street": 1, "town": 1, "community": 2, "village": 2}.get(n.kind, 3)


def page_data(m: NetworkMap, net: Any) -> dict[str, Any]:
    """What the page's script reads: nodes (vis options, facts, label tier, gap badges), edges, gap kinds."""
    kinds = [q for q in GAP_KINDS if q in m.gap_legend]
    index = {q: i for i, q in enumerate(kinds)}
    holds, places, totals = node_gaps(m), place_gaps(m), kind_totals(m)
    nodes = []
    for drawn in net.nodes:
        n = m.nodes[drawn["id"]]
        node = {k: drawn[k] for k in ("id", "x", "y", "shape", "size", "color", "borderWidth", "shapeProperties")}
        head = LEVEL_NAMES.get(n.kind, n.kind) if n.is_area else LABEL_NAMES.get(n.label, n.label)
        node |= {
            "tip": tooltip(n), "name": n.name, "type": head, "tier": tier(m, n), "room": round(n.room, 1),
            "kinds": [index[q] for q in kinds if q in holds.get(n.vid, {})],
            "badges": [[index[q], places[n.vid][q]] for q in kinds if places.get(n.vid, {}).get(q)],
        }  # fmt: skip
        nodes.append(node)
    return {
        "nodes": nodes,
        "edges": [dict(e) for e in net.edges],
        "options": options(),
        "font": FONT,
        "file": m.title.replace(" ", "-"),
        "kinds": [_kind(m, q, totals[q]) for q in kinds],
    }


def _kind(m: NetworkMap, query: str, count: int) -> dict[str, Any]:
    kind, text = GAP_KINDS[query], m.gap_legend[query]
    return {"id": query, "mark": kind.mark, "colour": kind.colour, "text": text, "short": text.split(" | ")[0],
            "count": count}  # fmt: skip


def _kinds(m: NetworkMap) -> str:
    """The clickable list of gap kinds found, with counts."""
    totals = kind_totals(m)
    items = []
    for i, q in enumerate(q for q in GAP_KINDS if q in m.gap_legend):
        kind = GAP_KINDS[q]
        items.append(
            f'<li><button type="button" data-kind="{i}" aria-pressed="false" title="{html.escape(q)}">'
            f'<span class="badge" style="background:{kind.colour}">{html.escape(kind.mark)}</span>'
            f'<span>{html.escape(m.gap_legend[q])}</span><span class="count">{totals[q]}</span></button></li>'
        )
    if not items:
        return "<section><h2>缺口 Gaps</h2><p>未发现缺口 none found</p></section>"
    return (
        f"<section><h2>缺口 Gaps ({sum(totals.values())})</h2>"
        '<p class="hint">点击显示 click to show where; again to clear. 徽标 badges: '
        "how many of each kind a place holds, itself and below.</p>"
        f'<ul class="kinds">{"".join(items)}</ul></section>'
    )


def _legend(m: NetworkMap) -> str:
    present = {n.label for n in m.nodes.values()}
    items = [
        f'<li><span class="swatch" style="background:{PALETTE[label]}"></span>{html.escape(text)}</li>'
        for label, text in SHAPE_NAMES.items()
        if label in present
    ]
    items.append(
        f'<li><span class="swatch" style="border:3px solid {GAP_COLOUR}"></span>'
        "缺口 node holding a gap (border in its kind’s colour)</li>"
    )
    if m.query:
        items.append(
            f'<li><span class="swatch" style="border:3px solid {HIGHLIGHT_COLOUR}"></span>'
            f"查询结果 row of {html.escape(m.query)} ({m.highlighted_rows} rows)</li>"
        )
    if m.aggregated:
        items.append('<li><span class="swatch" style="border:2px dashed #555"></span>合并节点 aggregated node</li>')
    notes = ""
    if m.notes:
        notes = '<div class="notes">' + "<br>".join(html.escape(n) for n in m.notes) + "</div>"
    return "<section><h2>图例 Legend</h2><ul>" + "".join(items) + "</ul>" + notes + "</section>"


def render(m: NetworkMap, net: Any) -> str:
    """The whole page for ``m`` drawn from the pyvis network ``net``."""
    vis_js, vis_css = vis_assets()
    page_js, page_css = page_assets()
    gaps = sum(1 for n in m.nodes.values() if n.gaps or (n.gap_counts and n.gap_counts.total()))
    stats = f"{len(m.nodes)} 节点 nodes · {len(m.edges)} 关系 edges · {gaps} 有缺口节点 nodes with gaps"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(m.title)}</title>
<script>{ERROR_TRAP}</script>
<style>{_inline(vis_css, "style")}</style>
<style>{_inline(page_css, "style")}</style>
<script>{_inline(vis_js, "script")}</script>
</head>
<body>
<header><h1>{html.escape(m.title)}</h1><span class="stats">{html.escape(stats)}</span>
<label>查找 find <input id="find" type="search" list="names" placeholder="名称 name" autocomplete="off"></label>
<span id="find-result" role="status"></span><datalist id="names"></datalist>
<button type="button" id="reset-view" title="全图 whole map, clear highlights">全图 reset</button>
<button type="button" id="save-png" title="保存当前视图 save the current view">保存图片 PNG</button>
<button type="button" onclick="window.print()">打印 print</button></header>
<img id="print-shot" alt="">
<main><div id="map"></div><aside>
<section id="panel" hidden><button type="button" class="close" id="panel-close" title="关闭 close">×</button>
<div id="panel-body"></div></section>
{_kinds(m)}{_legend(m)}</aside></main>
<div id="pbgraph-status" hidden></div>
<div id="pbgraph-selftest" hidden></div>
<script type="application/json" id="pbgraph-data">{script_json(page_data(m, net))}</script>
<script>{_inline(page_js, "script")}</script>
</body>
</html>
"""


def write_map(m: NetworkMap, out: str | Path) -> Path:
    """Write the map as one self-contained HTML page (no external references) and return its path."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render(m, to_pyvis(m)), encoding="utf-8")
    tmp.replace(path)
    return path


__all__ = ["page_data", "render", "script_json", "vis_assets", "write_map"]
