"""Charts of query results for the notebooks: matplotlib figures with Chinese labels that render.

Select the font once, then draw from the rows a query returned::

    from pbgraph import charts
    charts.use_cjk_font()  # or CjkFontMissing, saying how to install one
    fig = charts.gaps_by_street({"光明街道": {"无网格党支部": 3, "无网格员": 1}})
    display(charts.note(f"**{n}** gaps"), charts.table(rows))  # text that reads on any git host
"""

from pbgraph.charts.figures import (
    allocation_by_street,
    coverage_share,
    gaps_by_street,
    markdown_table,
    stated_vs_actual,
)
from pbgraph.charts.fonts import CjkFontMissing, find_cjk_font, use_cjk_font
from pbgraph.charts.notes import Note, note, table

__all__ = [
    "CjkFontMissing",
    "Note",
    "allocation_by_street",
    "coverage_share",
    "find_cjk_font",
    "gaps_by_street",
    "markdown_table",
    "note",
    "stated_vs_actual",
    "table",
    "use_cjk_font",
]
