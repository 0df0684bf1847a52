import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gridgov.assessment.report import monthly_report, report_filename
from gridgov.core.dbrouter import reading_replica
from gridgov.core.errors import GridgovError


class Command(BaseCommand):
    help = (
        "The monthly Excel report of a region (月度考核报表): indicators, rankings and the case ledger. "
        "`gridgov report --month YYYY-MM --region CODE [--output FILE] [--json]`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="the month, YYYY-MM (cases reported in it)")
        parser.add_argument("--region", required=True, help="grid code of the region, e.g. 410102 or 410102001")
        parser.add_argument("--output", help="the .xlsx file to write (default: report-CODE-YYYY-MM.xlsx)")
        parser.add_argument("--json", action="store_true", help="print {file, sheets, cases}")

    def handle(self, *args, month: str, region: str, output: str | None, json: bool = False, **options):
        path = Path(output or report_filename(region.strip(), month.strip()))
        if path.suffix.lower() != ".xlsx":
            raise CommandError(f"--output must be an .xlsx file, not {path}")
        try:
            with reading_replica():  # a read replica when there is one (GRIDGOV_REPLICA_URL)
                report = monthly_report(region=region, month=month)
        except GridgovError as exc:
            raise CommandError(exc.message) from exc
        try:
            path.write_bytes(report.content)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from exc
        if json:
            self.stdout.write(_dumps({"file": str(path.resolve()), "sheets": report.sheets, "cases": report.cases}))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"wrote {path}: sheets {', '.join(report.sheets)}; {report.cases} cases in the ledger"
                )
            )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
