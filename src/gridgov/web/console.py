"""The dispatcher console (指挥中心, /console/): what its pages share — who may use it, the words of
the actions and their forms' fields, the names of statuses, channels and lights.

The pages: the queue, its export and batch dispatch (console_queue), one case with its actions
(console_case), the hotline intake (console_hotline) and the pickers by name (console_pick). They hold
no rules: reads are `cases.selectors`, writes the case services.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from gridgov.cases.models import Channel, Light, Status
from gridgov.core.invariants import require_same_keys
from gridgov.people.actors import Actor
from gridgov.routing.models import HandlingMode

CONSOLE_ROLES = frozenset({"dispatcher", "leader", "supervisor", "admin"})
NEARBY_METRES = 300

COMPLEXITY_CHOICES = [
    ("simple", gettext_lazy("simple")),
    ("general", gettext_lazy("general")),
    ("complex", gettext_lazy("complex")),
    ("legacy", gettext_lazy("legacy")),
    ("major", gettext_lazy("major")),
]
# 办理方式 (routing.HandlingMode): the same words as the model's choices
MODE_CHOICES = list(HandlingMode.choices)
SATISFACTION_CHOICES = [
    ("satisfied", gettext_lazy("Satisfied")),
    ("basically_satisfied", gettext_lazy("Basically satisfied")),
    ("dissatisfied", gettext_lazy("Dissatisfied")),
]
YES_NO = [("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))]
PASSED_CHOICES = [
    ("true", pgettext_lazy("check outcome", "Passed")),
    ("false", pgettext_lazy("check outcome", "Not passed")),
]  # 通过 / 不通过


def field(name, label, kind="text", required=False, choices=None, blank=None):
    """A form field: kinds text, textarea, select, number, date, list (comma separated), category (by
    name, console_pick), unit (one from the case's list of units, `blank` naming the empty choice)
    and units (several of them)."""
    return {"name": name, "label": label, "kind": kind, "required": required, "choices": choices, "blank": blank}


_f = field


# The fields of each action's form: the body schemas in cases/api.py (ACTION_BODIES), as HTML inputs.
ACTION_FIELDS: dict[str, list[dict]] = {
    "register": [
        _f("category", gettext_lazy("Category"), "category"),
        _f("complexity", gettext_lazy("Complexity"), "select", choices=COMPLEXITY_CHOICES),
        _f("note", gettext_lazy("Note"), "textarea"),
    ],
    "reject": [_f("reason", gettext_lazy("Reason"), "textarea", True)],
    "merge": [_f("into", gettext_lazy("Merge into case number"), required=True)],
    "dispatch": [
        _f("unit", gettext_lazy("Lead unit"), "unit"),
        _f("assisting", gettext_lazy("Assisting units"), "units"),
        _f("note", gettext_lazy("Note"), "textarea"),
    ],
    "accept": [],
    "return": [_f("reason", gettext_lazy("Reason"), "textarea", True)],
    "escalate": [_f("note", gettext_lazy("Note"), "textarea", True)],
    "request_extension": [
        _f("days", gettext_lazy("Days"), "number", True),
        _f("reason", gettext_lazy("Reason"), "textarea", True),
    ],
    "grant_extension": [],
    "deny_extension": [_f("reason", gettext_lazy("Reason"), "textarea", True)],
    "suspend": [
        _f("reason", gettext_lazy("Reason"), "textarea", True),
        _f("review_on", gettext_lazy("Review on"), "date", True),
    ],
    "resume": [],
    "supervise": [_f("note", gettext_lazy("Note"), "textarea", True)],
    "resolve": [_f("result", gettext_lazy("Result"), "textarea", True)],
    "verify": [
        _f("passed", gettext_lazy("Passed"), "select", True, PASSED_CHOICES),
        _f("note", gettext_lazy("Note"), "textarea"),
    ],
    # 句号管理: the reply to the requester, unless one was recorded before (the service refuses without)
    "close": [_f("reply", gettext_lazy("Reply to the requester"), "textarea")],
    "evaluate": [
        _f("satisfaction", gettext_lazy("Satisfaction"), "select", True, SATISFACTION_CHOICES),
        _f("solved", gettext_lazy("Solved"), "select", True, YES_NO),
        _f("note", gettext_lazy("Note"), "textarea"),
    ],
    "reopen": [_f("reason", gettext_lazy("Reason"), "textarea", True)],
    # the handling modes' steps the platform takes (transitions.STEPS)
    "change_mode": [
        _f("mode", gettext_lazy("Handling mode"), "select", True, MODE_CHOICES),
        _f("reason", gettext_lazy("Reason"), "textarea", True),
    ],
    "reply": [_f("reply", gettext_lazy("Reply to the requester"), "textarea", True)],
}
# the steps the console has forms for (the unit's site visits and progress reports are on /dept/)
CONSOLE_STEPS = ("change_mode", "reply")


def _word(english: str):
    return pgettext_lazy("case action", english)


# What each action's form and button say (zh-hans: the Chinese term of the table, 立案, 派遣 …).
ACTION_WORDS = {
    "register": _word("Register"),
    "reject": _word("Do not register"),
    "merge": _word("Merge"),
    "dispatch": _word("Dispatch"),
    "accept": _word("Sign for"),
    "return": _word("Return"),
    "escalate": _word("Escalate"),
    "request_extension": _word("Request an extension"),
    "grant_extension": _word("Grant the extension"),
    "deny_extension": _word("Deny the extension"),
    "suspend": _word("Suspend"),
    "resume": _word("Resume"),
    "supervise": _word("Supervise"),
    "resolve": _word("Report the result"),
    "verify": _word("Check"),
    "close": _word("Close"),
    "evaluate": _word("Record the call-back rating"),
    "reopen": _word("Reopen"),
    "change_mode": _word("Change the handling mode"),
    "reply": _word("Reply to the requester"),
}
require_same_keys(ACTION_WORDS, ACTION_FIELDS, "every action has its words and its fields")

STATUS_NAMES = dict(Status.choices)
CHANNEL_NAMES = dict(Channel.choices)
LIGHT_NAMES = dict(Light.choices)


def console_actor(request) -> Actor | None:
    """The signed-in person as an actor, if they hold a post the console is for."""
    actor = Actor.of(request.user)
    return actor if actor.roles & CONSOLE_ROLES else None


def refuse(request, message: str, status: int):
    return render(request, "web/console/refused.html", {"message": message, "status": status}, status=status)


def not_console(request):
    return refuse(
        request,
        _(
            "The dispatcher console is for dispatchers, leaders and supervisors. "
            "Your account holds none of these posts; ask your administrator if you need one."
        ),
        403,
    )
