import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gridgov.cases.chains import AnchorError, check_anchor, read_anchor, verify_chains, write_anchor
from gridgov.core.audit import verify_log


class Command(BaseCommand):
    help = (
        "Audit the electronic case files and the audit log: `gridgov audit verify [--json] [--anchor FILE …] "
        "[NUMBER…]`; `gridgov audit anchor [--output DIR]` writes the signed chain heads for safekeeping."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("verify", help="check every case's event hash chain, the audit log chain, and anchors")
        p.add_argument("numbers", nargs="*")
        p.add_argument("--json", action="store_true")
        p.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="FILE",
            help="an anchor written by `audit anchor`: every head in it must still be in the chains",
        )
        a = sub.add_parser("anchor", help="write a signed digest of every chain head (GRIDGOV_ANCHOR_DIR by default)")
        a.add_argument("--output", metavar="DIR", default=None)

    def handle(self, *args, action, **options):
        if action == "anchor":
            path = write_anchor(options["output"])
            self.stdout.write(str(path))
            return
        self.verify(options["numbers"], options["anchor"], options["json"])

    def verify(self, numbers: list[str], anchors: list[str], as_json: bool) -> None:
        report = verify_chains(numbers or None)
        result = report.as_dict()
        failures = len(report.broken)
        if not numbers:  # the whole log; a check of named cases is about those cases
            log = verify_log()
            result["audit_log"] = log.as_dict()
            failures += len(log.broken)
        checked: list[dict[str, Any]] = []
        for path in anchors:
            try:
                anchor = read_anchor(path)
            except AnchorError as exc:
                checked.append({"file": path, "ok": False, "problem": str(exc), "broken": []})
                failures += 1
                continue
            broken = check_anchor(anchor, numbers or None)
            checked.append(
                {
                    "file": path,
                    "made_at": anchor.get("made_at"),
                    "heads": len(anchor["cases"]),
                    "ok": not broken,
                    "broken": broken,
                }
            )
            failures += len(broken)
        if anchors:
            result["anchors"] = checked
        result["ok"] = failures == 0
        if as_json:
            self.stdout.write(_dumps(result))
        else:
            self.stdout.write(f"{report.cases} cases, {report.events} events checked")
            for b in report.broken:
                self.stdout.write(f"BROKEN {b['number']} at event {b['seq']}: {b['problem']}")
            if "audit_log" in result:
                self.stdout.write(f"audit log: {result['audit_log']['entries']} entries checked")
                for b in result["audit_log"]["broken"]:
                    self.stdout.write(f"BROKEN audit log entry {b['id']}: {b['problem']}")
            for a in checked:
                if a.get("problem"):
                    self.stdout.write(f"REFUSED anchor {a['problem']}")
                    continue
                self.stdout.write(f"anchor {a['file']} ({a['made_at']}): {a['heads']} heads checked")
                for b in a["broken"]:
                    where = (
                        f"{b['number']} at event {b['seq']}" if "number" in b else f"audit log entry {b['log_entry']}"
                    )
                    self.stdout.write(f"BROKEN {where}: {b['problem']}")
        if failures:
            raise CommandError(f"{len(report.broken)} case file(s) fail the hash chain; {failures} problem(s) in all")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
