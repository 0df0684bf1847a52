"""Training the platform's category model (分类模型训练) from labelled rows the caller passes in.

The rows come from above (cases.suggestions reads the categorised cases: routing sits below cases and never
reads them). The model is written to GRIDGOV_CLASSIFIER_MODEL atomically, and one audit event says who
trained it on how many rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput
from gridgov.routing.classifier import model as text_model
from gridgov.routing.classifier.suggest import model_path

SEED = 20261207


def trained_at(path: Path | None = None) -> datetime | None:
    """When the saved model was written (its file's time: no need to read a model to know); None: there is none."""
    path = path or model_path()
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC) if path else None
    except OSError:
        return None


def train_categories(
    *, actor=None, rows: Iterable[tuple[str, str]], path: Path | None = None, reason: str = ""
) -> dict:
    """训练分类模型: train on `(document, category code)` rows and save the model; returns its summary.

    BadInput when the rows hold fewer than two categories with enough cases each."""
    path = path or model_path()
    if path is None:
        raise BadInput(gettext("no model path: set GRIDGOV_CLASSIFIER_MODEL to where the model is kept"))
    pairs = list(rows)
    try:
        m = text_model.train([d for d, _ in pairs], [c for _, c in pairs], seed=SEED)
    except text_model.TrainingError as exc:
        raise BadInput(
            gettext("too few categorised cases to train on (%(why)s): register more cases with a category")
            % {"why": exc}
        ) from exc
    m.save(path)
    summary = {"rows": m.rows, "labels": len(m.labels), "path": str(path), "reason": reason, **m.info}
    audit.record(
        actor=actor,
        action="routing.train_categories",
        object_type="category_model",
        object_id=path.name,
        data={k: summary[k] for k in ("rows", "labels", "reason", "dropped")},
    )
    return summary
