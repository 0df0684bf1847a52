"""The 12345 office's view of reply quality (答复质量) over a file of messages and their replies: read the
file, score every reply (assessment.replies), report the distribution and the weakest. No database.

Reads the shipped `data/complaints/teddy2020_replies.csv.gz` (columns id, title, asked_at, text, reply,
replied_at) and also the original 2020 泰迪杯 layout (留言编号, 留言主题, 留言时间, 留言详情, 答复意见, 答复时间).
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.utils import timezone

from gridgov.assessment.replies import LIMIT_DAYS, ReplyScore, distribution, score_reply
from gridgov.exchange.files.columns import DATE_FORMATS
from gridgov.worktime.calendar import WorkCalendar

DATA = Path(__file__).resolve().parent.parent / "data" / "complaints" / "teddy2020_replies.csv.gz"
# our column ← the original's
ORIGINAL = {
    "id": "留言编号",
    "title": "留言主题",
    "asked_at": "留言时间",
    "text": "留言详情",
    "reply": "答复意见",
    "replied_at": "答复时间",
}


@dataclass(frozen=True)
class ScoredReply:
    id: str
    title: str
    reply: str
    asked_at: datetime | None
    replied_at: datetime | None
    score: ReplyScore

    def as_dict(self, *, reply_chars: int = 200) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "asked_at": self.asked_at.isoformat() if self.asked_at else None,
            "replied_at": self.replied_at.isoformat() if self.replied_at else None,
            "reply": " ".join(self.reply.split())[:reply_chars],
            **self.score.as_dict(),
        }


def parse_moment(raw: str) -> datetime | None:
    """A local time as the files write it (2019/4/25 9:32:09, 2019-04-08 08:37:20, 2018/4/24 …), aware."""
    raw = " ".join((raw or "").split())
    if not raw:
        return None
    for fmt in DATE_FORMATS:
        try:
            return timezone.make_aware(datetime.strptime(raw, fmt))
        except ValueError:
            continue
    return None  # unreadable: scored as "no time", never a crash on one bad row


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of `path` (.csv, or .csv.gz) with our column names, whichever of the two layouts it has."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = set(reader.fieldnames or ())
        if set(ORIGINAL) <= header:
            names = {ours: ours for ours in ORIGINAL}
        elif set(ORIGINAL.values()) <= header:
            names = ORIGINAL
        else:
            raise ValueError(
                f"{path}: need the columns {', '.join(ORIGINAL)} (or {', '.join(ORIGINAL.values())}), "
                f"found {', '.join(reader.fieldnames or ())}"
            )
        return [{ours: (row.get(theirs) or "") for ours, theirs in names.items()} for row in reader]


def score_rows(rows: list[dict[str, str]]) -> list[ScoredReply]:
    calendar = WorkCalendar()  # statutory holidays and 调休; one instance so its day memo is shared
    out = []
    for row in rows:
        asked, replied = parse_moment(row["asked_at"]), parse_moment(row["replied_at"])
        score = score_reply(row["title"], row["text"], row["reply"], asked, replied, calendar=calendar)
        out.append(ScoredReply(row["id"], row["title"].strip(), row["reply"], asked, replied, score))
    return out


def report(scored: list[ScoredReply], *, weakest: int = 10) -> dict:
    """{replies, distribution: {part: {mean, q1, median, q3}}, late, weakest: [...]} — the weakest by total."""
    ranked = sorted(scored, key=lambda s: (s.score.total, s.id))
    return {
        "replies": len(scored),
        "distribution": distribution(s.score for s in scored),
        "late": sum(1 for s in scored if s.score.working_days is not None and s.score.working_days > LIMIT_DAYS),
        "weakest": [s.as_dict() for s in ranked[:weakest]],
    }
