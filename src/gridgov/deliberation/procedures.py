"""The two procedures of 三段式决策 as data (docs/architecture.md, Deliberation): each an ordered list of
stages that cannot be skipped or reordered.

- community (社区): 一征三议两公开 — 征求意见 → 党组织提议 → 两委会商议 → 居民代表会议决议 → 决议公开 → 实施结果公开;
- village (村): 四议两公开 — 村党组织提议 → 村两委会议商议 → 党员大会审议 → 村民代表会议或村民会议决议 → 决议公开 →
  实施结果公开.

Vote rules of a round (以上 includes the number, 过半数 does not, as in Chinese statutes):
- the meeting is valid when at least `quorum` of those expected are present (党组织、两委、党员大会: half;
  居民/村民代表会议: two thirds, 村民委员会组织法 art. 26);
- the proposal passes when more than half of those present vote for it.
A failed vote leaves the matter at that stage: the meeting may be held again (a new round) or the matter
withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

SOLICIT, ROUND, DECISION, RESULT = "solicit", "round", "decision", "result"
HALF, TWO_THIRDS = Fraction(1, 2), Fraction(2, 3)


@dataclass(frozen=True)
class Stage:
    key: str
    kind: str  # SOLICIT, ROUND, DECISION (决议公开) or RESULT (实施结果公开)
    name: object  # lazy translation
    body: object = ""  # the body that meets, for rounds (a default the form shows)
    quorum: Fraction = HALF


@dataclass(frozen=True)
class Procedure:
    key: str
    name: object
    stages: tuple[Stage, ...]

    def index(self, key: str) -> int:
        return [s.key for s in self.stages].index(key)

    def stage(self, key: str) -> Stage:
        return self.stages[self.index(key)]

    def after(self, key: str) -> str:
        """The key of the stage after `key`, "" after the last."""
        i = self.index(key) + 1
        return self.stages[i].key if i < len(self.stages) else ""

    @property
    def deciding(self) -> Stage:
        """The last round: the one whose passing makes the decision."""
        return [s for s in self.stages if s.kind == ROUND][-1]


_PUBLISH = (
    Stage("publish_decision", DECISION, _("decision made public")),  # 决议公开
    Stage("publish_result", RESULT, _("result of implementation made public")),  # 实施结果公开
)

COMMUNITY = Procedure(
    "community",
    _("one solicitation, three deliberations, two publications"),  # 一征三议两公开
    (
        Stage("solicit", SOLICIT, _("opinions solicited")),  # 征求意见
        Stage("propose", ROUND, _("proposed by the party organisation"), _("community party committee")),
        Stage("discuss", ROUND, _("discussed by the two committees"), _("community two committees")),
        Stage(
            "decide", ROUND, _("decided by the residents' representatives"), _("residents' representatives"), TWO_THIRDS
        ),
        *_PUBLISH,
    ),
)
VILLAGE = Procedure(
    "village",
    _("four deliberations, two publications"),  # 四议两公开
    (
        Stage("propose", ROUND, _("proposed by the village party organisation"), _("village party branch")),
        Stage("discuss", ROUND, _("discussed by the village two committees"), _("village two committees")),
        Stage("review", ROUND, _("reviewed by the party members' meeting"), _("party members' meeting")),
        Stage(
            "decide", ROUND, _("decided by the villagers' representatives"), _("villagers' representatives"), TWO_THIRDS
        ),
        *_PUBLISH,
    ),
)
PROCEDURES = {p.key: p for p in (COMMUNITY, VILLAGE)}


def procedure_for(code: str, name: str = "") -> str:
    """A village follows 四议两公开, a community 一征三议两公开. Villages are told by their code as the statistical
    division codes number them (the last three digits 200–399: 村民委员会; 001–199: 居民委员会) or by a name
    ending in 村."""
    village = (len(code) == 12 and code[9] in "23") or name.endswith("村")
    return VILLAGE.key if village else COMMUNITY.key


def quorate(expected: int, present: int, quorum: Fraction) -> bool:
    return present * quorum.denominator >= expected * quorum.numerator


def passes(present: int, votes_for: int) -> bool:
    return votes_for * 2 > present
