"""The inbox (收件箱): its pages, the unread count, marking read — only one's own, and audited."""

import pytest
from django.test import RequestFactory

from gridgov.core.models import AuditEvent
from gridgov.notifications import selectors, services
from gridgov.notifications.context_processors import inbox as inbox_context
from gridgov.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _send(user, n: int, prefix="k"):
    for i in range(n):
        services.notify(
            recipients=[user],
            kind="case.dispatch",
            title=f"派遣：案件 {i}",
            link="/console/cases/1/",
            dedupe_key=f"{prefix}:{i}",
        )
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def test_inbox_page_is_newest_first_and_clamped(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    mine = _send(alice, 5)
    _send(bob, 3)
    page = selectors.inbox_page(alice, page=1, per_page=2)
    assert [n.pk for n in page.items] == [mine[4].pk, mine[3].pk]
    assert (page.number, page.pages, page.total, page.unread) == (1, 3, 5, 5)
    assert not page.has_previous and page.has_next
    last = selectors.inbox_page(alice, page=99, per_page=2)
    assert last.number == 3 and [n.pk for n in last.items] == [mine[0].pk] and not last.has_next
    assert all(n.recipient_id == alice.pk for n in selectors.inbox_page(alice, per_page=50).items)


def test_unread_only_and_count(make_user):
    alice = make_user("alice")
    mine = _send(alice, 3)
    services.mark_read(user=alice, ids=[mine[1].pk])
    page = selectors.inbox_page(alice, unread_only=True)
    assert [n.pk for n in page.items] == [mine[2].pk, mine[0].pk]
    assert page.total == page.unread == selectors.unread_count(alice) == 2
    empty = selectors.inbox_page(make_user("nobody"))
    assert (empty.items, empty.number, empty.pages, empty.total, empty.unread) == ([], 1, 1, 0, 0)


def test_mark_one_marks_only_your_own_and_is_audited(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    a = _send(alice, 2)
    b = _send(bob, 1, prefix="b")
    audits = AuditEvent.objects.count()
    assert services.mark_read(user=alice, ids=[b[0].pk]) == 0, "bob's notification is not alice's to mark"
    assert Notification.objects.get(pk=b[0].pk).read_at is None
    assert AuditEvent.objects.count() == audits, "nothing changed, nothing audited"

    assert services.mark_read(user=alice, ids=[a[0].pk, b[0].pk]) == 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor_id, event.object_type, event.object_id) == (
        "notification.read",
        alice.pk,
        "notification",
        str(a[0].pk),
    )
    assert event.data == {"ids": [a[0].pk], "count": 1}
    assert selectors.unread_count(alice) == 1 and selectors.unread_count(bob) == 1


def test_mark_all_is_audited_once(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    _send(alice, 3)
    _send(bob, 2, prefix="b")
    assert services.mark_read(user=alice) == 3
    event = AuditEvent.objects.latest("id")
    assert event.action == "notification.read" and event.data == {"all": True, "count": 3}
    assert selectors.unread_count(alice) == 0 and selectors.unread_count(bob) == 2
    assert services.mark_read(user=alice) == 0


def test_the_context_processor_counts_lazily_and_once(make_user, django_assert_num_queries):
    alice = make_user("alice")
    _send(alice, 2)
    request = RequestFactory().get("/")
    request.user = alice
    with django_assert_num_queries(0):
        context = inbox_context(request)  # nothing counted until a page shows the badge
    with django_assert_num_queries(1):
        assert context["inbox_unread"]() == 2
        assert context["inbox_unread"]() == 2  # a page that shows it twice counts once
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert inbox_context(request) == {}
