import csv
import io
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gridgov.routing.classifier import model as text_model
from gridgov.routing.services import RoutingDataError, load_all


class Command(BaseCommand):
    help = "Categories and the dispatch catalogue (分类与派单目录)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("load", help="load the category trees, a district's units and its dispatch catalogue")
        p.add_argument("--district", default="410102", help="6-digit district code (default 410102, 中原区)")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("train", help="train a text classifier (文本分类) on a CSV of texts and labels")
        p.add_argument("--input", required=True, help="CSV file (UTF-8 or GB18030) with a header row")
        p.add_argument("--text-col", required=True, help="the text column (several: comma-separated, joined)")
        p.add_argument("--label-col", required=True, help="the label column")
        p.add_argument("--model", required=True, help="where to write the model (joblib)")
        p.add_argument("--seed", type=int, default=0, help="the same seed and rows give the same model")
        p.add_argument("--cv", type=int, default=0, metavar="K", help="also report macro-F1 by K-fold cross-validation")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("predict", help="label a CSV with a trained model (adds predicted and confidence)")
        p.add_argument("--model", required=True)
        p.add_argument("--input", required=True)
        p.add_argument("--text-col", required=True)
        p.add_argument("--output", required=True, help="the input's columns plus predicted and confidence")
        p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        return getattr(self, f"do_{action}")(**options)

    def do_load(self, *, district, json=False, **_):
        try:
            counts = load_all(district=district)
        except RoutingDataError as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(dumps(counts))
            return
        for part in ("categories", "units", "catalogue"):
            c = counts[part]
            self.stdout.write(f"{part}: created {c['created']}, updated {c['updated']}, unchanged {c['unchanged']}")
        for tree, n in counts["categories"]["trees"].items():
            self.stdout.write(f"  {tree}: {n['branches']} branches, {n['leaves']} leaves")

    def do_train(self, *, input, text_col, label_col, model, seed, cv=0, json=False, **_):
        started = time.perf_counter()
        _, rows = read_csv(input, [*columns(text_col), label_col])
        docs, labels = [joined(r, text_col) for r in rows], [r[label_col] for r in rows]
        try:
            trained = text_model.train(docs, labels, seed=seed)
        except text_model.TrainingError as exc:
            raise CommandError(str(exc)) from exc
        trained.save(model)
        report = {"rows": trained.rows, "labels": trained.labels, "model": str(model), "seed": seed}
        report["dropped"] = trained.info["dropped"]
        if cv:
            if cv < 2:
                raise CommandError("--cv needs at least 2 folds")
            report["cv"] = text_model.cross_validate(docs, labels, folds=cv, seed=seed)
        report["seconds"] = round(time.perf_counter() - started, 2)
        if json:
            self.stdout.write(dumps(report))
            return
        self.stdout.write(f"trained on {report['rows']} rows, {len(trained.labels)} labels → {model}")
        if cv:
            self.stdout.write(f"{cv}-fold macro-F1 {report['cv']['macro_f1']}, accuracy {report['cv']['accuracy']}")

    def do_predict(self, *, model, input, text_col, output, json=False, **_):
        started = time.perf_counter()
        try:
            trained = text_model.load(model)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the model {model}: {exc}") from exc
        header, rows = read_csv(input, columns(text_col))
        predictions = trained.predict([joined(r, text_col) for r in rows]) if rows else []
        out = [c for c in header if c not in ("predicted", "confidence")] + ["predicted", "confidence"]
        with Path(output).open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=out, extrasaction="ignore")
            writer.writeheader()
            for row, p in zip(rows, predictions, strict=True):
                writer.writerow({**row, "predicted": p.label, "confidence": f"{p.confidence:.4f}"})
        seconds = time.perf_counter() - started
        if json:
            self.stdout.write(dumps({"rows": len(rows), "output": str(output), "seconds": round(seconds, 2)}))
            return
        self.stdout.write(f"{len(rows)} rows → {output}")


def columns(spec: str) -> list[str]:
    return [c.strip() for c in spec.split(",") if c.strip()]


def joined(row: dict, spec: str) -> str:
    return " ".join(filter(None, ((row.get(c) or "").strip() for c in columns(spec))))


def read_csv(path: str, needed: list[str]) -> tuple[list[str], list[dict]]:
    """The header and rows of a CSV in UTF-8 (with or without BOM) or GB18030; CommandError when a column is missing."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = list(reader.fieldnames or [])
    missing = [c for c in needed if c not in header]
    if missing:
        raise CommandError(f"{path}: no column {', '.join(missing)} (columns: {', '.join(header)})")
    return header, list(reader)


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
