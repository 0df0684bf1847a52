"""Reply quality (答复质量): how well a reply to a citizen answers the message — for the 12345 office's
replies (政务留言) and for our own cases' replies (句号管理). Pure functions: no database.

score_reply() gives three parts in [0, 1] and a total out of 100:

- relevance (相关性): how much of the message's substance the reply takes up. The reply's boilerplate
  (网友您好、留言已收悉、感谢您的关注、现答复如下、the closing date) and every verbatim copy of the message's
  title are removed first — echoing the title addresses nothing. Then, with the character bigrams of the
  duplicate finder (cases.duplicates.bigrams): the share of the title's bigrams found in the reply (0.6)
  and the share of the text's bigrams found in it (0.4), each scaled so that full marks come at
  RELEVANCE_FULL_TITLE / RELEVANCE_FULL_TEXT coverage (a good reply paraphrases; it never repeats
  everything).
- completeness (完整性): the sum of the signals a full reply carries, each with its weight (COMPLETENESS):
  it was checked (经核实、经调查、现场…), what was done (已整改、已清理…), what comes next or why not
  (将、预计、因、不属于、根据…规定), who handles it (a unit: …局、街道、社区、公司…), a contact (联系电话 or a
  number), and enough substance (SUBSTANCE_FULL characters once the boilerplate is gone). A reply
  that only says it was forwarded (已转…) does not count as something done.
- timeliness (及时性): working days (gridgov.worktime: statutory holidays and 调休) from the message to the
  reply: 1 up to PROMPT_DAYS, falling to 0.6 at LIMIT_DAYS, then to 0 at twice the limit.

total = 100 × (0.4 relevance + 0.4 completeness + 0.2 timeliness). Each missing signal adds a reason in
Chinese, so the 12345 office sees why a reply ranks low.

What a heuristic cannot judge: whether what the reply says is true, whether the action solves the
problem, or whether the tone is right. A reply in other words than the message's (同义改写) scores low
on relevance, and a reply that lists every keyword scores high without answering. It ranks replies for a
person to read first; it is not a verdict.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from gridgov.cases.duplicates import bigrams
from gridgov.worktime.calendar import WorkCalendar

# The usual 12345 limit for a reply: 15 working days from receipt (国务院办公厅《关于进一步优化地方政务服务
# 便民热线的指导意见》 and most cities' 12345 rules give 15 working days for complaints and requests).
LIMIT_DAYS = 15
PROMPT_DAYS = 5  # replied within this many working days: full marks
WEIGHTS = {"relevance": 0.4, "completeness": 0.4, "timeliness": 0.2}
RELEVANCE_FULL_TITLE = 0.6  # share of the title's bigrams a reply needs for full marks on the title
RELEVANCE_FULL_TEXT = 0.35  # likewise for the text's (a long message holds much that needs no answer)
SUBSTANCE_FULL = 80  # characters of substance for full marks on length (checked, done, next and a phone fit in it)
WEAK_RELEVANCE = 0.3  # below this, the first reason says the reply hardly touches the message
TEMPLATE_BELOW = 30  # fewer characters of substance than this: a template reply

# Said in almost every reply whatever the message: removed before judging relevance and length.
_BOILERPLATE = re.compile(
    r"网友[“\"「]?[^：:，,！!]{0,20}[”\"」]?[：:，,]?"
    r"|[您你]好[！!，,。]?"
    r"|(您的|你的)?(所提的?)?(留言|来信|函件|问题|建议)?(已)?收悉[！!，,。]?"
    r"|(首先)?(非常|十分)?感谢您?(对我们工作)?的?(关注|关心|支持|信任|理解|监督)[与和、]*(关心|支持|监督|理解)?[！!，,。]?"
    r"|现(将|就)?[^。]{0,40}?(答复|回复)如下[：:，,]?"
    r"|(再次)?感谢您?[^。]{0,20}(理解|支持|关心|监督)[！!。]?"
    r"|\d{4}年\d{1,2}月\d{1,2}日"
)
_NOT_TEXT = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]")

# (signal, weight, its pattern, the reason when it is missing)
COMPLETENESS = (
    (
        "checked",
        0.2,
        re.compile(r"经(核实|调查|查|了解|核查|现场)|核查|调查(了解|核实|处理)|现场(查看|勘查|核实|检查)"),
        "未说明核实情况",
    ),
    (
        "done",
        0.25,
        re.compile(
            r"已(经)?(完成|处理|整改|安排|督促|要求|责令|修复|清理|落实|解决|协调|联系|更换|拆除|查处|约谈|下达|办理|开展|恢复|疏通|纳入)"
            r"|(立即|及时)(组织|安排|处理|整改|清理)|责令|整改完毕|处罚|(进行|开展|组织|作出|采取)了|已于|已对|已向|现已|目前已"
        ),
        "未说明已采取的措施",
    ),
    (
        "next",
        0.2,
        re.compile(
            r"[将会](会|于|在|继续|进一步|加强|尽快|督促|安排|组织)|预计|计划|下一步|拟|因为?|由于|原因|不属于|(根据|依据|按照)[^。]{0,30}(规定|条例|办法|政策|法)"
        ),
        "未说明下一步安排或办理依据",
    ),
    (
        "who",
        0.1,
        re.compile(r"[\u4e00-\u9fff]{1,12}(局|街道|办事处|社区|公司|委员会|中心|大队|中队|派出所|管理处|政府)"),
        "未指明承办单位",
    ),
    ("contact", 0.1, re.compile(r"联系电话|电话[：:]?\s*\d|咨询|热线|\d{7,}|联系人"), "未留联系方式"),
)
LENGTH_WEIGHT = 0.15
_FORWARDED = re.compile(r"已(将[^。]{0,20})?转(交|办|至|到|给|由)?|转(交|由)[^。]{0,20}(办理|处理|答复)")


@dataclass(frozen=True)
class ReplyScore:
    relevance: float
    completeness: float
    timeliness: float
    total: float  # 0–100
    working_days: float | None  # from the message to the reply; None without both times
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "relevance": round(self.relevance, 3),
            "completeness": round(self.completeness, 3),
            "timeliness": round(self.timeliness, 3),
            "total": round(self.total, 1),
            "working_days": None if self.working_days is None else round(self.working_days, 1),
            "reasons": list(self.reasons),
        }


def substance(reply: str, title: str = "") -> str:
    """The reply without whitespace, boilerplate and verbatim copies of the title."""
    text = _NOT_TEXT.sub("", reply or "")
    short_title = _NOT_TEXT.sub("", title or "")
    if len(short_title) >= 4:
        text = text.replace(short_title, "")
    text = _BOILERPLATE.sub("", text)
    return text if _WORD.search(text) else ""  # the punctuation left between the formulas says nothing


def _coverage(source: str, reply_grams: frozenset[str]) -> float | None:
    grams = bigrams(source)
    return len(grams & reply_grams) / len(grams) if grams else None


def relevance(title: str, text: str, reply_substance: str) -> float:
    grams = bigrams(reply_substance)
    parts = []
    title_cov = _coverage(title, grams)
    if title_cov is not None:
        parts.append((0.6, min(1.0, title_cov / RELEVANCE_FULL_TITLE)))
    text_cov = _coverage(text[:1000], grams)
    if text_cov is not None:
        parts.append((0.4, min(1.0, text_cov / RELEVANCE_FULL_TEXT)))
    if not parts:
        return 0.0
    return sum(w * v for w, v in parts) / sum(w for w, _ in parts)


def completeness(reply_substance: str) -> tuple[float, list[str]]:
    score, reasons = 0.0, []
    forwarded_only = False
    for name, weight, pattern, missing in COMPLETENESS:
        if pattern.search(reply_substance):
            score += weight
        else:
            reasons.append(missing)
            if name == "done" and _FORWARDED.search(reply_substance):
                forwarded_only = True
    if forwarded_only:
        reasons.append("仅说明已转办，未说明办理结果")
    length = len(reply_substance)
    score += LENGTH_WEIGHT * min(1.0, length / SUBSTANCE_FULL)
    if length < TEMPLATE_BELOW:
        reasons.append(f"答复实质内容仅{length}字，近乎模板")
    elif length < SUBSTANCE_FULL:
        reasons.append(f"答复实质内容较短（{length}字）")
    return min(1.0, score), reasons


def timeliness(working_days: float | None) -> float:
    if working_days is None:
        return 0.0
    if working_days <= PROMPT_DAYS:
        return 1.0
    if working_days <= LIMIT_DAYS:
        return 1.0 - 0.4 * (working_days - PROMPT_DAYS) / (LIMIT_DAYS - PROMPT_DAYS)
    return max(0.0, 0.6 * (1 - (working_days - LIMIT_DAYS) / LIMIT_DAYS))


def working_days_between(asked_at: datetime, replied_at: datetime, calendar: WorkCalendar | None = None) -> float:
    """Working days from `asked_at` to `replied_at` (aware datetimes) on `calendar` (default: the statutory
    calendar without local overrides, which needs no database)."""
    cal = calendar or WorkCalendar()
    return cal.working_seconds_between(asked_at, replied_at) / cal.day_length_seconds()


def score_reply(
    message_title: str,
    message_text: str,
    reply: str,
    asked_at: datetime | None,
    replied_at: datetime | None,
    *,
    calendar: WorkCalendar | None = None,
) -> ReplyScore:
    """Score one reply (see the module docstring for the formula). Times must be aware."""
    timing: list[str] = []  # said after the content's reasons
    days = None
    if asked_at is not None and replied_at is not None:
        if replied_at < asked_at:
            timing.append("答复时间早于留言时间，时间数据有误")
        days = working_days_between(asked_at, replied_at, calendar)
    else:
        timing.append("缺少留言或答复时间，无法判断及时性")
    timely = timeliness(days)
    if days is not None and days > LIMIT_DAYS:
        timing.append(f"超过{LIMIT_DAYS}个工作日时限（用时{days:.0f}个工作日）")
    elif days is not None and days > PROMPT_DAYS:
        timing.append(f"答复用时{days:.0f}个工作日")

    core = substance(reply, message_title)
    if not core:
        total = 100 * WEIGHTS["timeliness"] * timely
        return ReplyScore(0.0, 0.0, timely, round(total, 1), days, ["无实质答复内容", *timing])
    relevant = relevance(message_title, message_text or "", core)
    complete, missing = completeness(core)
    reasons = ["答复与留言内容关联较弱"] if relevant < WEAK_RELEVANCE else []
    total = 100 * (
        WEIGHTS["relevance"] * relevant + WEIGHTS["completeness"] * complete + WEIGHTS["timeliness"] * timely
    )
    return ReplyScore(relevant, complete, timely, round(total, 1), days, [*reasons, *missing, *timing])


def distribution(scores: Iterable[ReplyScore]) -> dict[str, dict]:
    """Mean and quartiles of each part and of the total: {part: {mean, q1, median, q3}}."""
    scores = list(scores)
    out: dict[str, dict] = {}
    for part in ("relevance", "completeness", "timeliness", "total"):
        values = [getattr(s, part) for s in scores]
        if not values:
            out[part] = {"mean": None, "q1": None, "median": None, "q3": None}
            continue
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
        digits = 1 if part == "total" else 3
        out[part] = {
            "mean": round(statistics.fmean(values), digits),
            "q1": round(q1, digits),
            "median": round(median, digits),
            "q3": round(q3, digits),
        }
    return out
