"""Scoring extraction against gold, exactly as ``shared/spec/extraction.md`` says.

Areas match on (name, level), counts on (category, value within 1e-6 relative),
one to one, required gold before optional gold. A prediction matched to an
optional gold entry counts neither as a hit nor as a false positive. Figures
are summed over documents (micro-averaged).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    extra_ok: int = 0  # matched against optional gold
    attr_right: int = 0  # parent / area equal to gold's, among matched with a gold value
    attr_total: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def attr_accuracy(self) -> float:
        return self.attr_right / self.attr_total if self.attr_total else 1.0

    def add(self, other: Tally) -> None:
        for k in ("tp", "fp", "fn", "extra_ok", "attr_right", "attr_total"):
            setattr(self, k, getattr(self, k) + getattr(other, k))


def _match(
    pred: list[dict[str, Any]],
    gold: list[dict[str, Any]],
    same: Callable[[dict, dict], bool],
    attr: str,
    attr_counts: Callable[[dict], bool],
) -> tuple[Tally, list[dict], list[dict]]:
    tally = Tally()
    free = list(range(len(pred)))
    misses, matched_pairs = [], []
    ordered = sorted(range(len(gold)), key=lambda i: bool(gold[i].get("optional")))
    for gi in ordered:
        g = gold[gi]
        hit = next((pi for pi in free if same(pred[pi], g)), None)
        if hit is None:
            if not g.get("optional"):
                tally.fn += 1
                misses.append(g)
            continue
        free.remove(hit)
        if g.get("optional"):
            tally.extra_ok += 1
        else:
            tally.tp += 1
        matched_pairs.append((pred[hit], g))
    for p, g in matched_pairs:
        if attr_counts(g):
            tally.attr_total += 1
            tally.attr_right += p.get(attr) == g.get(attr)
    tally.fp = len(free)
    return tally, misses, [pred[i] for i in free]


def _same_area(p: dict, g: dict) -> bool:
    return p["name"] == g["name"] and p["level"] == g["level"]


def _same_count(p: dict, g: dict) -> bool:
    if p["category"] != g["category"]:
        return False
    a, b = float(p["value"]), float(g["value"])
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=0.0) or a == b


@dataclass
class Score:
    areas: Tally = field(default_factory=Tally)
    counts: Tally = field(default_factory=Tally)
    #: per document: (source, missed gold, false positives) for areas and counts
    details: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {
            "areas_precision": self.areas.precision,
            "areas_recall": self.areas.recall,
            "areas_f1": self.areas.f1,
            "parent_accuracy": self.areas.attr_accuracy,
            "counts_precision": self.counts.precision,
            "counts_recall": self.counts.recall,
            "counts_f1": self.counts.f1,
            "count_area_accuracy": self.counts.attr_accuracy,
        }


def score(pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> Score:
    """Score (prediction, gold) document pairs."""
    total = Score()
    for pred, gold in pairs:
        a, a_miss, a_fp = _match(
            pred.get("areas", []), gold.get("areas", []), _same_area, "parent", lambda g: g.get("parent") is not None
        )
        c, c_miss, c_fp = _match(pred.get("counts", []), gold.get("counts", []), _same_count, "area", lambda g: True)
        total.areas.add(a)
        total.counts.add(c)
        one = Score(a, c)
        total.details.append(
            {
                "source": pred.get("source"),
                **{k: round(v, 4) for k, v in one.summary().items()},
                "areas_missed": a_miss,
                "areas_false": a_fp,
                "counts_missed": c_miss,
                "counts_false": c_fp,
            }
        )
    return total


def load_gold(*folders: Path) -> dict[str, dict[str, Any]]:
    """Gold answers by file stem, from one or more folders (a stem in two folders is an error)."""
    out: dict[str, dict[str, Any]] = {}
    where: dict[str, Path] = {}
    for folder in folders:
        for p in sorted(folder.glob("*.json")):
            if p.stem in out:
                raise ValueError(f"gold for {p.stem!r} is in both {where[p.stem]} and {folder}: keep one")
            out[p.stem], where[p.stem] = json.loads(p.read_text(encoding="utf-8")), folder
    return out
