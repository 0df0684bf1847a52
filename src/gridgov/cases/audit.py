"""Checking the electronic case file (电子案卷): every case's event chain must hash through."""

from __future__ import annotations

from dataclasses import dataclass, field

from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.services import event_digest


@dataclass
class ChainReport:
    cases: int = 0
    events: int = 0
    broken: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken

    def as_dict(self) -> dict:
        return {"cases": self.cases, "events": self.events, "ok": self.ok, "broken": self.broken}


def verify_chains(numbers: list[str] | None = None) -> ChainReport:
    """Recompute every hash; a case is broken at the first event whose content, order or link
    does not match, or when its head differs from the case's last_hash (an event removed)."""
    report = ChainReport()
    cases = Case.objects.order_by("pk").values("pk", "number", "last_hash", "event_count", "status")
    if numbers:
        cases = cases.filter(number__in=numbers)
        found = set(cases.values_list("number", flat=True))
        report.broken += [{"number": n, "seq": 0, "problem": "no such case"} for n in numbers if n not in found]
    for case in cases.iterator(chunk_size=1000):
        report.cases += 1
        prev, expected_seq, problem, last_status = "", 1, None, None
        events = CaseEvent.objects.filter(case_id=case["pk"]).order_by("seq")
        for e in events.iterator(chunk_size=1000):
            report.events += 1
            digest = event_digest(number=case["number"], seq=e.seq, action=e.action, actor_label=e.actor_label,
                                  actor_role=e.actor_role, from_status=e.from_status, to_status=e.to_status, unit=e.unit, note=e.note,
                                  data=e.data, at=e.at, prev_hash=prev)
            if problem is None:
                if e.seq != expected_seq:
                    problem = (e.seq, f"event {expected_seq} is missing")
                elif e.prev_hash != prev:
                    problem = (e.seq, "link to the previous event does not match")
                elif e.hash != digest:
                    problem = (e.seq, "content does not match its hash (edited after the fact)")
            prev, expected_seq, last_status = e.hash, expected_seq + 1, e.to_status
        if problem is None and (prev != case["last_hash"] or expected_seq - 1 != case["event_count"]):
            problem = (expected_seq, "the file ends before the case's last recorded event (events removed)")
        if problem is None and last_status != case["status"]:
            problem = (expected_seq - 1, f"the case says {case['status']} but its file ends at {last_status}")
        if problem:
            report.broken.append({"number": case["number"], "seq": problem[0], "problem": problem[1]})
    return report
