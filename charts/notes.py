"""Text a notebook computes (numbers from the run), readable wherever the notebook is opened.

IPython's ``Markdown`` stores only Markdown, which some git hosts show as
``<IPython.core.display.Markdown object>``; a :class:`Note` also carries the HTML and,
as plain text, the Markdown source itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import mistune

from pbgraph.charts.figures import markdown_table

#: Markdown to HTML, tables included; HTML in the text (a name in a roster, say) is shown, never interpreted.
_HTML = mistune.create_markdown(escape=True, plugins=["table"])


class Note:
    """Markdown shown as Markdown, HTML, or its own source, whichever the viewer renders."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return str(_HTML(self.text))

    def __repr__(self) -> str:
        return self.text


def note(text: str) -> Note:
    """``display(note(f"**{n}** gaps …"))``: a sentence built from the run's numbers."""
    return Note(text)


def table(rows: Iterable[Mapping[str, object]], columns: Sequence[str] | None = None, limit: int = 20) -> Note:
    """Rows (a query result or dicts) as a table, the first ``limit`` of them, saying how many were left out."""
    return Note(markdown_table(rows, columns, limit))
