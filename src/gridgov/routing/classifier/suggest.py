"""Category suggestions (分类建议) from the platform's own model, for the dispatcher and the report forms.

The model file is the setting GRIDGOV_CLASSIFIER_MODEL (written by the retraining task); every process
reads it once and again when the file changes. A missing, unreadable or failing model gives no suggestion
and never an error: intake and registration go on as without it (the catalogue decides).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from django.conf import settings

from gridgov.routing.classifier.model import TextModel, document, load
from gridgov.routing.models import Category

logger = logging.getLogger("gridgov.routing")
TOP = 3
_lock = threading.Lock()
_cache: dict[str, Any] = {"key": None, "model": None}


def model_path() -> Path | None:
    """Where the platform's model lives (GRIDGOV_CLASSIFIER_MODEL); None: suggestions are off."""
    path = getattr(settings, "GRIDGOV_CLASSIFIER_MODEL", "")
    return Path(path) if path else None


def current_model() -> TextModel | None:
    """The platform's model, re-read when its file changed; None when there is none or it cannot be read."""
    path = model_path()
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        if _cache["key"] != key:
            try:
                _cache["model"] = load(path)
            except Exception:  # a broken file must not break a page or an intake: log it, suggest nothing
                logger.exception("cannot read the category model %s", path)
                _cache["model"] = None
            _cache["key"] = key
        return _cache["model"]


def forget() -> None:
    """Drop the cached model (tests; a process that wrote a new file reads it anyway by its mtime)."""
    with _lock:
        _cache.update(key=None, model=None)


def suggest(title: str, text: str = "", *, k: int = TOP, explain: bool = True) -> list[dict[str, Any]]:
    """The `k` most likely active leaf categories: `[{code, name, parent, confidence, words}]`, most likely first.

    `words` are the words of the report that weighed most for that category. [] when there is no model,
    no text, or anything fails."""
    doc = document(title, text)
    model = current_model()
    if model is None or not doc:
        return []
    try:
        ranked = model.top(doc, k=len(model.labels))
        leaves = Category.objects.filter(code__in=[c for c, _ in ranked], is_leaf=True, active=True)
        names = {
            code: (name, parent or "") for code, name, parent in leaves.values_list("code", "name", "parent__name")
        }
        out = []
        for code, confidence in ranked:
            if code in names:
                name, parent = names[code]
                words = model.explain(doc, code) if explain else []
                out.append(
                    {"code": code, "name": name, "parent": parent, "confidence": round(confidence, 3), "words": words}
                )
            if len(out) >= k:
                break
        return out
    except Exception:
        logger.exception("category suggestion failed")
        return []


THRESHOLD = 0.5  # below it an outside order is left for the dispatcher to classify


def classify(title: str, text: str = "") -> str | None:
    """GRIDGOV_TEXT_CLASSIFIER: the most likely category code when its confidence reaches THRESHOLD, else None."""
    threshold = float(getattr(settings, "GRIDGOV_CLASSIFIER_THRESHOLD", THRESHOLD))
    best = suggest(title, text, k=1, explain=False)
    return best[0]["code"] if best and best[0]["confidence"] >= threshold else None
