"""`gridgov bench duplicates`: precision and recall of the duplicate finder (重复件) on real repeated messages.

Data: the 2020 泰迪杯 messages to a city government with their users and times (data/complaints/
teddy2020_messages.csv: 4,284 messages, the text cut to 160 characters; see data/README.md). They carry no
place and no category, so this measures the text part of cases.duplicates (`text_score`) and its time
window, not the place and category parts that help it in production.

Truth: two messages from different users are the same problem when their titles are identical or
near-identical (difflib's ratio ≥ 0.9 on the titles without punctuation: a measure independent of the
bigram one under test) or their texts are identical (at least 20 characters). Detected: a pair within the
window (WINDOW_DAYS) whose text_score reaches TEXT_THRESHOLD — what cases.duplicates.THRESHOLD asks of the
text when the place and the category agree (score = 0.7 × text + 0.3). Pairs beyond the window count as
missed. The figure is F1; the issue names no goal, so `limit` is our own (0.8).
"""

from __future__ import annotations

import csv
import itertools
import re
import time
from collections import defaultdict
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from pathlib import Path

from gridgov.bench.registry import Progress, figure
from gridgov.cases import duplicates as dup

DATA = Path(__file__).resolve().parent.parent / "data" / "complaints" / "teddy2020_messages.csv"
F1_GOAL = 0.8
PLACE_AND_CATEGORY = dup.WEIGHTS["place"] + dup.WEIGHTS["category"]
TEXT_THRESHOLD = (dup.THRESHOLD - PLACE_AND_CATEGORY) / (dup.WEIGHTS["title"] + dup.WEIGHTS["text"])
_CLEAN = re.compile(r"[\W_]+")


def _time(text: str) -> datetime:
    text = text.strip()
    return datetime.strptime(text, "%Y/%m/%d %H:%M:%S") if "/" in text else datetime.fromisoformat(text)


def load(limit: int | None = None) -> list[dict]:
    with DATA.open(encoding="utf-8", newline="") as f:
        rows = [
            {
                "user": r["user"],
                "title": r["title"],
                "text": r["text"],
                "at": _time(r["time"]),
                "likes": int(r["likes"]),
            }
            for r in csv.DictReader(f)
        ]
    rows.sort(key=lambda r: r["at"])
    return rows[:limit] if limit else rows


def truth(rows: list[dict]) -> set[tuple[int, int]]:
    """The repeated pairs (different users), by the independent measure in the module docstring."""
    pairs: set[tuple[int, int]] = set()
    by_text: dict[str, list[int]] = defaultdict(list)
    titles = [_CLEAN.sub("", r["title"]) for r in rows]
    for i, r in enumerate(rows):
        text = _CLEAN.sub("", r["text"])
        if len(text) >= 20:
            by_text[text].append(i)
    for same_text in by_text.values():
        pairs |= {(a, b) for a, b in itertools.combinations(same_text, 2) if rows[a]["user"] != rows[b]["user"]}
    # near-identical titles: compare only titles sharing a 4-character piece (a cheap, generous prefilter)
    pieces: dict[str, set[int]] = defaultdict(set)
    for i, t in enumerate(titles):
        for k in range(max(1, len(t) - 3)):
            pieces[t[k : k + 4]].add(i)
    seen: set[tuple[int, int]] = set()
    for sharing in pieces.values():
        if len(sharing) > 200:  # a common piece (e.g. a place name): says nothing alone
            continue
        for a, b in itertools.combinations(sorted(sharing), 2):
            if (a, b) in seen or rows[a]["user"] == rows[b]["user"]:
                continue
            seen.add((a, b))
            if titles[a] == titles[b] or SequenceMatcher(None, titles[a], titles[b]).ratio() >= 0.9:
                pairs.add((a, b))
    return pairs


def detect(rows: list[dict], window: timedelta, floor: float) -> tuple[dict[tuple[int, int], float], int]:
    """The pairs within the window whose production text score reaches `floor`, with their scores; and how
    many pairs were scored."""
    found: dict[tuple[int, int], float] = {}
    scored = 0
    for i, a in enumerate(rows):
        for j in range(i + 1, len(rows)):
            b = rows[j]
            if b["at"] - a["at"] > window:
                break
            if a["user"] == b["user"]:
                continue
            scored += 1
            score = dup.text_score(a["title"], a["text"], b["title"], b["text"])
            if score >= floor:
                found[(i, j)] = score
    return found, scored


def _rates(found: set[tuple[int, int]], wanted: set[tuple[int, int]]) -> tuple[float, float, float]:
    hits = len(found & wanted)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(wanted) if wanted else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def run(scale: float, progress: Progress) -> dict:
    rows = load()
    count = max(50, round(len(rows) * min(scale, 1.0)))
    rows = rows[:count]
    progress(f"{len(rows)} messages: finding the repeated pairs")
    wanted = truth(rows)
    window = timedelta(days=dup.WINDOW_DAYS)
    started = time.perf_counter()
    curve_points = (0.5, 0.6, 0.7, 0.8)
    scores, scored = detect(rows, window, min(TEXT_THRESHOLD, *curve_points))
    seconds = time.perf_counter() - started
    found = {pair for pair, score in scores.items() if score >= TEXT_THRESHOLD}
    precision, recall, f1 = _rates(found, wanted)
    # the trade-off, had the text alone to decide (no place, no category): stricter thresholds
    curve = {}
    for point in curve_points:
        p, r, f = _rates({pair for pair, score in scores.items() if score >= point}, wanted)
        curve[str(point)] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}
    beyond = sum(1 for a, b in wanted if rows[b]["at"] - rows[a]["at"] > window)
    return figure(
        value=max(round(f1, 4), 0.0001),  # a figure must be positive: no pair found at a tiny scale reads as 0.0001
        limit=F1_GOAL,
        unit="F1",
        better="higher",
        size={"messages": len(rows), "pairs_scored": scored, "window_days": dup.WINDOW_DAYS},
        precision=round(precision, 4),
        recall=round(recall, 4),
        repeated_pairs=len(wanted),
        repeated_beyond_window=beyond,
        detected_pairs=len(found),
        text_threshold=round(TEXT_THRESHOLD, 4),
        text_only_curve=curve,
        pairs_per_s=round(scored / seconds) if seconds else None,
    )
