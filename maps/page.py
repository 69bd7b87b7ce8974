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

from .model import NetworkMap
from .style import GAP_COLOUR, HIGHLIGHT_COLOUR, PALETTE, to_pyvis

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

CSS = """
html, body { margin: 0; height: 100%; font-family: FONT; color: #222; }
body { display: flex; flex-direction: column; }
header { padding: 6px 12px; border-bottom: 1px solid #ddd; display: flex; gap: 16px; align-items: baseline;
         flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0; }
header .stats { color: #555; font-size: 13px; }
header input { font: inherit; padding: 2px 6px; }
main { flex: 1; display: flex; min-height: 0; }
#map { flex: 1; min-width: 0; }
aside { width: 250px; overflow: auto; border-left: 1px solid #ddd; padding: 8px 12px; font-size: 13px; }
aside h2 { font-size: 14px; margin: 10px 0 4px; }
aside ul { list-style: none; padding: 0; margin: 0; }
aside li { margin: 3px 0; display: flex; gap: 6px; align-items: center; }
.swatch { width: 14px; height: 14px; display: inline-block; border: 1px solid #555; flex: none; }
.notes { background: #fff8e1; border: 1px solid #f0c36d; padding: 6px; margin: 6px 0; }
.tip { font-size: 13px; max-width: 360px; }
.tip b { display: block; font-size: 14px; margin-bottom: 3px; }
.tip .k { color: #666; }
.tip .gap { color: GAP; }
""".replace("FONT", FONT).replace("GAP", GAP_COLOUR)

JS = r"""
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('pbgraph-data').textContent);
  var status = document.getElementById('pbgraph-status');

  function tip(pairs) {
    // text nodes only: whatever the graph holds is shown, never parsed
    var box = document.createElement('div');
    box.className = 'tip';
    pairs.forEach(function (p) {
      var line = document.createElement(p[0] ? 'div' : 'b');
      if (p[0]) {
        var k = document.createElement('span');
        k.className = p[0].charAt(0) === '\u26a0' ? 'k gap' : 'k';
        k.textContent = p[0] + ': ';
        line.appendChild(k);
      }
      line.appendChild(document.createTextNode(p[1]));
      box.appendChild(line);
    });
    return box;
  }

  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    var copy = Object.assign({}, n);
    copy.title = tip(n.tip);
    delete copy.tip;
    return copy;
  }));
  var edges = new vis.DataSet(data.edges.map(function (e, i) { return Object.assign({id: i}, e); }));
  var network = new vis.Network(document.getElementById('map'), {nodes: nodes, edges: edges}, data.options);
  window.pbgraphMap = {network: network, nodes: nodes, edges: edges};

  network.once('afterDrawing', function () {
    status.setAttribute('data-nodes', String(network.body.nodeIndices.length));
    status.setAttribute('data-edges', String(network.body.edgeIndices.length));
    status.setAttribute('data-drawn', '1');
    if (location.hash === '#selftest') {
      // build every tooltip as a hover would, so a test can check that none runs markup
      var bin = document.getElementById('pbgraph-selftest');
      data.nodes.forEach(function (n) { bin.appendChild(tip(n.tip)); });
      status.setAttribute('data-tooltips', String(bin.childNodes.length));
    }
    status.setAttribute('data-errors', String(window.pbgraphErrors.length));
    status.textContent = window.pbgraphErrors.join('\n');
  });

  var find = document.getElementById('find');
  find.addEventListener('change', function () {
    var q = find.value.trim();
    if (!q) { return; }
    var hit = nodes.get({filter: function (n) { return String(n.label).indexOf(q) >= 0; }})[0];
    if (hit) {
      network.selectNodes([hit.id]);
      network.focus(hit.id, {scale: 1.2, animation: false});
    }
  });
})();
"""

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
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": True, "navigationButtons": False},
        "nodes": {"font": {"face": FONT, "size": 14}},
        "edges": {
            "smooth": False,
            "color": {"color": "#aaaaaa", "highlight": "#333333"},
            "font": {"face": FONT, "size": 11, "align": "middle"},
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.4}},
        },
    }


def _legend(m: NetworkMap) -> str:
    present = {n.label for n in m.nodes.values()}
    items = [
        f'<li><span class="swatch" style="background:{PALETTE[label]}"></span>{html.escape(text)}</li>'
        for label, text in SHAPE_NAMES.items()
        if label in present
    ]
    items.append(
        f'<li><span class="swatch" style="border:3px solid {GAP_COLOUR}"></span>缺口 gap (see the node’s tooltip)</li>'
    )
    if m.query:
        items.append(
            f'<li><span class="swatch" style="border:3px solid {HIGHLIGHT_COLOUR}"></span>'
            f"查询结果 row of {html.escape(m.query)} ({m.highlighted_rows} rows)</li>"
        )
    if m.aggregated:
        items.append('<li><span class="swatch" style="border:2px dashed #555"></span>合并节点 aggregated node</li>')
    gaps = "".join(f"<li>⚠ {html.escape(t)} <small>({html.escape(q)})</small></li>" for q, t in m.gap_legend.items())
    notes = ""
    if m.notes:
        notes = '<div class="notes">' + "<br>".join(html.escape(n) for n in m.notes) + "</div>"
    return (
        "<h2>图例 Legend</h2><ul>"
        + "".join(items)
        + "</ul>"
        + (f"<h2>发现的缺口 Gaps found</h2><ul>{gaps}</ul>" if gaps else "")
        + notes
    )


def render(m: NetworkMap, net: Any) -> str:
    """The whole page for ``m`` drawn from the pyvis network ``net``."""
    vis_js, vis_css = vis_assets()
    data = {
        "nodes": [{k: v for k, v in n.items() if k != "title"} for n in net.nodes],
        "edges": [{k: v for k, v in e.items()} for e in net.edges],
        "options": options(),
    }
    gaps = sum(1 for n in m.nodes.values() if n.gaps or (n.gap_counts and n.gap_counts.total()))
    stats = f"{len(m.nodes)} 节点 nodes · {len(m.edges)} 关系 edges · {gaps} 缺口 gaps"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(m.title)}</title>
<script>{ERROR_TRAP}</script>
<style>{_inline(vis_css, "style")}</style>
<style>{CSS}</style>
<script>{_inline(vis_js, "script")}</script>
</head>
<body>
<header><h1>{html.escape(m.title)}</h1><span class="stats">{html.escape(stats)}</span>
<label>查找 find <input id="find" type="search" placeholder="名称 name"></label></header>
<main><div id="map"></div><aside>{_legend(m)}</aside></main>
<div id="pbgraph-status" hidden></div>
<div id="pbgraph-selftest" hidden></div>
<script type="application/json" id="pbgraph-data">{script_json(data)}</script>
<script>{JS}</script>
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


__all__ = ["render", "script_json", "vis_assets", "write_map"]
