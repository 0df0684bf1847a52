"""`gridgov bench classify`: the category suggestions' classifier on real messages (文本分类).

Data: the 7,368 titles of the 2020 泰迪杯 messages with their first-level labels (7 classes), shipped in
gridgov/data/complaints/. Method: stratified 5-fold
cross-validation with a fixed seed: each fold's model is trained on the other four fifths exactly as the
platform trains it (gridgov.routing.classifier.model) and labels the fifth it never saw (one held-out fifth
alone moves by ±0.01 with the seed; five cover every title). The figure is macro-F1 against the issue's
0.90; beside it accuracy, and throughput — titles per second through `TextModel.predict` (features, linear
model, calibrated confidences) over a fold's held-out titles, best of REPEATS, median of the folds — against
5,000 titles/s. `--scale` below 1 uses that share of
the titles (at least MIN_ROWS), for tests.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np

from gridgov.bench.registry import Progress, figure
from gridgov.routing.classifier import model as text_model

DATA = Path(__file__).resolve().parent.parent / "data" / "complaints" / "teddy2020_titles_train.csv"
SEED = 20261207
FOLDS = 5
MIN_ROWS = 300
REPEATS = 3
F1_GOAL = 0.90
SPEED_GOAL = 5_000.0  # titles per second


def titles(path: Path = DATA) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["title"] for r in rows], [r["label"] for r in rows]


def run(scale: float, progress: Progress) -> dict:
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold, train_test_split

    X, y = titles()
    if scale < 1:
        keep = max(MIN_ROWS, int(len(X) * scale))
        X, _, y, _ = train_test_split(X, y, train_size=keep, stratify=y, random_state=SEED)
    Xa, ya = np.array(X, dtype=object), np.array(y, dtype=object)
    predicted = np.empty(len(ya), dtype=object)
    train_seconds, speeds = [], []
    for k, (tr, te) in enumerate(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED).split(Xa, ya)):
        progress(f"fold {k + 1}/{FOLDS}: training on {len(tr)} titles, {len(te)} held out")
        started = time.perf_counter()
        model = text_model.train(list(Xa[tr]), list(ya[tr]), seed=SEED)
        train_seconds.append(time.perf_counter() - started)
        held_out = list(Xa[te])
        predicted[te] = [p.label for p in model.predict(held_out)]
        best = min(_timed(model, held_out) for _ in range(REPEATS))
        speeds.append(len(held_out) / best)
    labels = sorted(set(y))
    size = {"titles": len(X), "folds": FOLDS, "labels": len(labels)}
    per_label = f1_score(ya, predicted, average=None, labels=labels)
    return figure(
        value=round(float(f1_score(ya, predicted, average="macro")), 4),
        limit=F1_GOAL,
        unit="macro-F1",
        better="higher",
        size=size,
        accuracy=round(float(accuracy_score(ya, predicted)), 4),
        f1_by_label={label: round(float(v), 4) for label, v in zip(labels, per_label, strict=True)},
        throughput=figure(
            value=round(float(np.median(speeds)), 1), limit=SPEED_GOAL, unit="titles/s", better="higher", size=size
        ),
        train_seconds=round(float(np.median(train_seconds)), 2),
        method=f"stratified {FOLDS}-fold cross-validation (seed {SEED}); titles/s: predict() over each fold's "
        f"held-out titles, best of {REPEATS}, median over the folds",
    )


def _timed(model: text_model.TextModel, docs: list[str]) -> float:
    started = time.perf_counter()
    model.predict(docs)
    return time.perf_counter() - started
