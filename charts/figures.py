"""The notebooks' charts, drawn from plain rows (whatever the queries returned).

Each function returns a :class:`matplotlib.figure.Figure` (no pyplot state, so
any number can be drawn); call :func:`pbgraph.charts.use_cjk_font` first so
Chinese labels render.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

#: Small enough that a notebook with its charts stays well under a megabyte, sharp enough to read.
DPI = 80

#: Colours of the series (colour-blind safe, from ColorBrewer's Set2 / Dark2).
SERIES = ("#e41a1c", "#377eb8", "#ff7f00", "#984ea3", "#4daf4a", "#a65628")
OPTIMAL, GREEDY, STATED, ACTUAL, MUTED = "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#bdbdbd"


def _figure(width: float, rows: int, per_row: float = 0.32, base: float = 1.4) -> Figure:
    return Figure(figsize=(width, base + per_row * max(rows, 1)), dpi=DPI, layout="constrained")


def gaps_by_street(counts: Mapping[str, Mapping[str, int]], *, title: str = "各街道的缺口（按类型）") -> Figure:
    """Stacked horizontal bars: one bar per street, one segment per kind of gap (``{street: {kind: n}}``)."""
    streets = list(counts)
    kinds = list(dict.fromkeys(k for per in counts.values() for k in per))
    fig = _figure(8, len(streets))
    ax = fig.subplots()
    left = [0] * len(streets)
    for kind, colour in zip(kinds, SERIES * (len(kinds) // len(SERIES) + 1), strict=False):
        values = [counts[s].get(kind, 0) for s in streets]
        ax.barh(streets, values, left=left, color=colour, label=kind, height=0.6)
        left = [a + b for a, b in zip(left, values, strict=True)]
    for y, total in enumerate(left):
        ax.text(total + 0.1, y, str(total), va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("缺口数 gaps")
    ax.set_title(title)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return fig


def coverage_share(
    rows: Sequence[tuple[str, int, int]], *, title: str = "各社区网格党支部覆盖率", unit: str = "社区"
) -> Figure:
    """Horizontal bars of covered / total per place (``(label, covered, total)``), lowest first, short ones in red.

    Places fully covered are drawn as one grey bar (“其余 N 个社区”) when there are more than three of them.
    """
    ordered = sorted(rows, key=lambda r: (r[1] / r[2] if r[2] else 1.0, r[0]))
    full = [r for r in ordered if r[1] >= r[2]]
    if len(full) > 3:
        ordered = [r for r in ordered if r[1] < r[2]]
        ordered.append((f"其余{len(full)}个{unit}（全覆盖）", sum(r[1] for r in full), sum(r[2] for r in full)))
    labels = [r[0] for r in ordered]
    shares = [100 * r[1] / r[2] if r[2] else 100.0 for r in ordered]
    fig = _figure(8, len(ordered), per_row=0.3)
    ax = fig.subplots()
    ax.barh(labels, shares, color=[SERIES[0] if s < 100 else MUTED for s in shares], height=0.7)
    for y, (share, (_, covered, total)) in enumerate(zip(shares, ordered, strict=True)):
        ax.text(share + 1, y, f"{covered}/{total}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 112)
    ax.axvline(100, color="#636363", linewidth=0.8, linestyle="--")
    ax.set_xlabel("被网格党支部覆盖的网格占比 % of grids covered")
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def allocation_by_street(
    optimal: Mapping[str, tuple[float, int]],
    greedy: Mapping[str, tuple[float, int]],
    open_demands: Mapping[str, int],
    *,
    title: str = "最优分配与贪心分配：各街道得分与满足的需求",
) -> Figure:
    """Three panels per street: score and matched demands (paired bars), and the optimum's gain in score.

    ``optimal`` and ``greedy`` map a street to ``(score, demands matched)``; ``open_demands`` lists the streets.
    """
    streets = list(open_demands)
    fig = _figure(11, len(streets), per_row=0.42)
    ax_score, ax_count, ax_gain = fig.subplots(1, 3, sharey=True, width_ratios=(3, 3, 2))
    ys = range(len(streets))
    h = 0.38
    series = ((-h / 2, optimal, OPTIMAL, "最优 optimal"), (h / 2, greedy, GREEDY, "贪心 greedy"))
    ax_count.barh(streets, [open_demands[s] for s in streets], height=0.9, color="#f0f0f0", label="待满足 open")
    for ax, i, xlabel in ((ax_score, 0, "得分 score"), (ax_count, 1, "满足的需求 demands matched")):
        for shift, result, colour, label in series:
            ax.barh([y + shift for y in ys], [result.get(s, (0, 0))[i] for s in streets], h, color=colour, label=label)
        ax.set_xlabel(xlabel)
    gains = [optimal.get(s, (0, 0))[0] - greedy.get(s, (0, 0))[0] for s in streets]
    ax_gain.barh(streets, gains, height=0.6, color=[OPTIMAL if g > 0 else GREEDY for g in gains])
    ax_gain.axvline(0, color="#636363", linewidth=0.8)
    for y, g in enumerate(gains):
        if g:
            ax_gain.annotate(
                f"{g:+,.2f}".rstrip("0").rstrip("."),
                (g, y),
                xytext=(3 if g > 0 else -3, 0),
                textcoords="offset points",
                va="center",
                ha="left" if g > 0 else "right",
                fontsize=8,
            )
    ax_gain.set_xlabel("最优比贪心多得 gain of optimal")
    for ax in (ax_score, ax_count, ax_gain):
        ax.spines[["top", "right"]].set_visible(False)
    ax_score.set_yticks(list(ys), streets)
    ax_score.invert_yaxis()
    handles, labels = ax_count.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    fig.suptitle(title)
    return fig


def stated_vs_actual(rows: Sequence[tuple[str, float, float]], *, title: str = "文件所述与台账实际") -> Figure:
    """A dumbbell per row (``(label, stated, actual)``): the stated number, the count found, a line between."""
    fig = _figure(8, len(rows), per_row=0.45)
    ax = fig.subplots()
    note = {"textcoords": "offset points", "ha": "center", "fontsize": 8}
    for y, (_, stated, actual) in enumerate(rows):
        colour = SERIES[0] if stated != actual else MUTED
        ax.plot([stated, actual], [y, y], color=colour, linewidth=2, zorder=1)
        ax.annotate(f"{stated:g}", (stated, y), xytext=(0, 7), **note)
        if actual != stated:
            ax.annotate(f"{actual:g}", (actual, y), xytext=(0, -13), **note)
    ys = range(len(rows))
    ax.scatter([r[1] for r in rows], ys, color=STATED, s=45, label="文件所述 stated", zorder=2)
    ax.scatter([r[2] for r in rows], ys, color=ACTUAL, s=45, marker="D", label="台账实际 actual", zorder=3)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.set_ylim(len(rows) - 0.5, -0.7)
    values = [v for r in rows for v in r[1:]]
    if values and min(values) > 0 and max(values) / min(values) > 20:  # wide ranges: equal ratios, equal distances
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("数量（对数刻度） count, log scale")
    else:
        ax.set_xlim(0, max(values, default=1) * 1.1)
        ax.set_xlabel("数量 count")
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return fig


def markdown_table(rows: Iterable[Mapping[str, object]], columns: Sequence[str] | None = None, limit: int = 20) -> str:
    """Rows as a Markdown table (first ``limit`` rows, and how many were left out), for ``IPython.display.Markdown``.

    ``columns`` default to a query result's own, else to the first row's keys.
    """
    columns = list(columns or getattr(rows, "columns", None) or [])
    rows = list(rows)
    columns = columns or list(rows[0] if rows else [])
    if not columns:
        return "*(no rows)*"

    def text(value: object) -> str:
        if isinstance(value, float):
            value = f"{value:,.2f}".rstrip("0").rstrip(".")
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(text(r.get(c)) for c in columns) + " |" for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"\n*… and {len(rows) - limit} more rows*")
    return "\n".join(lines)
