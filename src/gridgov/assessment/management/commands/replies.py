import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.assessment.reply_file import DATA, read_rows, report, score_rows

PARTS = {
    "relevance": gettext_lazy("Relevance"),
    "completeness": gettext_lazy("Completeness"),
    "timeliness": gettext_lazy("Timeliness"),
    "total": gettext_lazy("Total (of 100)"),
}


class Command(BaseCommand):
    help = (
        "Reply quality (答复质量) over a file of messages and replies: relevance, completeness and timeliness, "
        "their distribution and the weakest replies with reasons. "
        "`gridgov replies score [--input CSV] [--weakest N] [--json]`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("score", help="score every reply of the file")
        p.add_argument(
            "--input",
            type=Path,
            default=DATA,
            help="CSV (or .csv.gz) with id,title,asked_at,text,reply,replied_at or the 泰迪杯 附件4 columns "
            "(default: the shipped teddy2020_replies.csv.gz)",
        )
        p.add_argument("--weakest", type=int, default=10, help="how many of the weakest replies to list")
        p.add_argument("--json", action="store_true", help="print {replies, distribution, late, weakest}")

    def handle(self, *args, action, **options):
        return getattr(self, f"do_{action}")(**options)

    def do_score(self, *, input: Path, weakest: int, json: bool = False, **_options):
        if weakest < 0:
            raise CommandError(_("--weakest must be 0 or more"))
        try:
            rows = read_rows(input)
        except OSError as exc:
            raise CommandError(
                _("cannot read %(file)s: %(why)s") % {"file": input, "why": exc.strerror or exc}
            ) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        out = report(score_rows(rows), weakest=weakest)
        if json:
            self.stdout.write(_dumps(out))
            return
        self.stdout.write(
            _("%(n)d replies; %(late)d later than the limit") % {"n": out["replies"], "late": out["late"]}
        )
        heads = (_("Mean"), _("Lower quartile"), _("Median"), _("Upper quartile"))
        self.stdout.write("\t".join(["", *heads]))
        for part, label in PARTS.items():
            d = out["distribution"][part]
            cells = ["—" if d[k] is None else str(d[k]) for k in ("mean", "q1", "median", "q3")]
            self.stdout.write("\t".join([str(label), *cells]))
        for row in out["weakest"]:
            self.stdout.write(
                f"\n{row['total']:5.1f}  {row['id']}  {row['title']}\n"
                + "       "
                + "  ".join(f"{PARTS[p]} {row[p]:.2f}" for p in ("relevance", "completeness", "timeliness"))
                + f"  {'；'.join(row['reasons'])}\n       {row['reply'][:120]}"
            )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
