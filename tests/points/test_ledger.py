"""The ledger: credits idempotent by their source, balances in step with the entries and never negative,
redemptions that refuse (409) and write nothing, the daily cap, scope (404 outside the community)."""

import pytest

from gridgov.core.errors import BadInput, Conflict, NotFound
from gridgov.core.models import AuditEvent
from gridgov.points import selectors, services
from gridgov.points.models import Account, Entry, Item, PointsRule
from tests.points.conftest import LEADER, WORKER, other_worker, staff

pytestmark = pytest.mark.django_db


def balance(resident) -> int:
    return Account.objects.get(resident=resident).balance


def test_a_retried_credit_writes_nothing_the_second_time(people):
    wang, leader = people["wang"], people["leader"]
    first = services.credit(actor=leader, resident=wang, kind="environment", ref="clean-up-0310", reason="清理楼道")
    again = services.credit(actor=leader, resident=wang, kind="environment", ref="clean-up-0310", reason="清理楼道")
    assert first.created and not again.created and again.entry.pk == first.entry.pk
    assert Entry.objects.filter(account__resident=wang).count() == 1
    assert balance(wang) == PointsRule.objects.get(kind="environment").points == first.entry.balance_after
    assert AuditEvent.objects.filter(action="points.credited", object_id="environment:clean-up-0310").count() == 1


def test_a_manual_award_needs_a_reason_and_the_form_key_makes_it_once(people):
    wang, worker = people["wang"], staff(WORKER)
    with pytest.raises(BadInput):
        services.award(actor=worker, resident=wang, kind="manual", reason="", client_key="k1")
    done = services.award(actor=worker, resident=wang, kind="manual", reason="劝导停车", client_key="k1", units=5)
    twice = services.award(actor=worker, resident=wang, kind="manual", reason="劝导停车", client_key="k1", units=5)
    assert done.created and not twice.created and balance(wang) == 5
    assert done.entry.actor == worker.user and done.entry.source_kind == "manual"


def test_staff_of_another_street_find_no_such_resident(people):
    with pytest.raises(NotFound):
        services.award(
            actor=staff(other_worker()), resident=people["wang"], kind="manual", reason="奖励", client_key="x"
        )
    with pytest.raises(NotFound):
        selectors.statement(staff(other_worker()), people["wang"].pk)
    assert not Entry.objects.exists()


def test_the_daily_cap_refuses_what_is_over_it(people):
    wang, leader = people["wang"], people["leader"]
    rule = PointsRule.objects.get(kind="visit_helped")  # 3 points, 15 a day
    for n in range(rule.daily_cap // rule.points):
        services.credit(actor=leader, resident=wang, kind="visit_helped", ref=f"v{n}")
    with pytest.raises(Conflict, match="15"):
        services.credit(actor=leader, resident=wang, kind="visit_helped", ref="one-more")
    assert balance(wang) == rule.daily_cap


def test_a_redemption_beyond_the_balance_is_refused_and_writes_nothing(people):
    wang, leader, rice = people["wang"], people["leader"], people["rice"]
    services.credit(actor=leader, resident=wang, kind="volunteer_hour", ref="h1", units=5)  # 50 points
    code = Account.objects.get(resident=wang).code
    with pytest.raises(Conflict, match="50"):
        services.redeem(actor=leader, supermarket=people["shop"], code=code, lines=[(rice.pk, 1)], client_key="r1")
    rice.refresh_from_db()
    assert balance(wang) == 50 and rice.stock == 5
    assert Entry.objects.filter(source_kind="redeem").count() == 0


def test_a_redemption_takes_points_and_stock_once_per_key(people):
    wang, leader, soap = people["wang"], people["leader"], people["soap"]
    services.credit(actor=leader, resident=wang, kind="volunteer_hour", ref="h1", units=5)
    code = Account.objects.get(resident=wang).code
    args = {"actor": leader, "supermarket": people["shop"], "code": code.lower(), "lines": [(soap.pk, 2)]}
    done = services.redeem(**args, client_key="r1")
    twice = services.redeem(**args, client_key="r1")
    assert done.created and not twice.created and done.entry.amount == -30
    soap.refresh_from_db()
    assert balance(wang) == 20 and soap.stock == 0
    with pytest.raises(Conflict, match="香皂"):  # none left
        services.redeem(**args, client_key="r2")
    assert list(done.entry.lines.values_list("item", "quantity", "points")) == [(soap.pk, 2, 15)]


def test_the_database_refuses_a_negative_balance_or_stock(people):
    from django.db import IntegrityError, transaction

    account = services.account_for(people["wang"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(balance=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.filter(pk=people["soap"].pk).update(stock=-1)


def test_the_statement_runs_the_balance_newest_first(people):
    wang, leader = people["wang"], people["leader"]
    services.credit(actor=leader, resident=wang, kind="volunteer_hour", ref="h1", units=3)
    services.credit(actor=leader, resident=wang, kind="environment", ref="e1")
    code = Account.objects.get(resident=wang).code
    services.redeem(actor=leader, supermarket=people["shop"], code=code, lines=[(people["soap"].pk, 1)], client_key="k")
    statement = selectors.statement(staff(WORKER), wang.pk)
    assert statement["name"] == "王**" and statement["balance"] == 20
    assert [e["amount"] for e in statement["entries"]] == [-15, 5, 30]
    assert [e["balance_after"] for e in statement["entries"]] == [20, 35, 30]


def test_a_new_code_retires_the_old_one(people):
    wang = people["wang"]
    old = services.account_for(wang).code
    new = services.regenerate_code(actor=staff(LEADER), resident=wang).code
    assert new != old and len(new) == 8 and not set(new) & set("01OIL")
    with pytest.raises(NotFound):
        selectors.at_counter(staff(LEADER), people["shop"], old)
    assert selectors.at_counter(staff(LEADER), people["shop"], new)["name"] == "王**"


def test_a_form_key_reused_for_another_resident_is_refused(people):
    worker = staff(WORKER)
    services.award(actor=worker, resident=people["wang"], kind="manual", reason="劝导停车", client_key="same")
    with pytest.raises(Conflict):
        services.award(actor=worker, resident=people["li"], kind="manual", reason="劝导停车", client_key="same")
    assert not Account.objects.filter(resident=people["li"], balance__gt=0).exists()
