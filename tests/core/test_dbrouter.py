"""The read-replica router (core/dbrouter.py) decides alone; tests/scale/test_replica.py runs it on a real standby."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import RequestFactory

from gridgov.cases.models import Case, CaseEvent
from gridgov.core.dbrouter import ReplicaRouter, reading_replica, reads_replica, replica_alias
from gridgov.core.models import AuditEvent

pytestmark = pytest.mark.once  # no engine in it


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setitem(settings.DATABASES, "replica", {**settings.DATABASES["default"]})


def test_without_a_replica_nothing_is_routed():
    assert "replica" not in settings.DATABASES and replica_alias() == "default"
    with reading_replica() as alias:
        assert alias == "default"
        assert ReplicaRouter().db_for_read(Case) is None


def test_reads_of_the_products_data_go_to_the_replica_only_when_asked(with_replica):
    router = ReplicaRouter()
    assert router.db_for_read(Case) is None  # a case's page: the primary
    with reading_replica() as alias:
        assert alias == "replica"
        assert router.db_for_read(Case) == router.db_for_read(CaseEvent) == "replica"
        # who the caller is, the audit chain: always the primary
        assert router.db_for_read(get_user_model()) is None and router.db_for_read(AuditEvent) is None
        assert router.db_for_write(Case) == "default"
    assert router.db_for_read(Case) is None
    assert router.allow_migrate("default", "cases") and not router.allow_migrate("replica", "cases")


@pytest.mark.django_db
def test_inside_a_transaction_reads_stay_with_its_writes(with_replica):
    with reading_replica(), transaction.atomic():
        assert ReplicaRouter().db_for_read(Case) is None


def test_the_view_decorator_routes_get_and_head_only(with_replica):
    seen = []

    @reads_replica
    def view(request):
        seen.append(ReplicaRouter().db_for_read(Case))

    for method in ("get", "head", "post"):
        view(getattr(RequestFactory(), method)("/"))
    assert seen == ["replica", "replica", None]
