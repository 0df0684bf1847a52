import pytest
from django.db import transaction

from gridgov.notifications import selectors, services
from gridgov.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _notify(recipients, key="case:20260101000001:dispatched:1", **fields):
    return services.notify(
        recipients=recipients,
        kind=fields.pop("kind", "case_dispatched"),
        title=fields.pop("title", "新案件待签收 20260101000001"),
        body=fields.pop("body", "路灯不亮"),
        link=fields.pop("link", "/console/cases/20260101000001/"),
        subject=fields.pop("subject", "20260101000001"),
        dedupe_key=key,
    )


def test_notify_stores_one_row_per_recipient_and_sends_after_commit(
    make_user, sent, django_capture_on_commit_callbacks
):
    alice, bob = make_user("alice"), make_user("bob")
    with django_capture_on_commit_callbacks(execute=True):
        created = _notify([alice, bob, alice])  # a recipient listed twice is notified once
        assert sent == []  # senders run only after the transaction commits
    assert {n.recipient_id for n in created} == {alice.pk, bob.pk}
    assert sorted(sent) == sorted(n.pk for n in created)
    assert all(n.delivered_at for n in Notification.objects.all())


def test_same_dedupe_key_twice_is_stored_and_sent_once(make_user, sent, django_capture_on_commit_callbacks):
    alice, bob = make_user("alice"), make_user("bob")
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify([alice])
    with django_capture_on_commit_callbacks(execute=True):
        again = _notify([alice, bob])  # alice already has it; bob is new
    assert len(first) == 1 and [n.recipient_id for n in again] == [bob.pk]
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert Notification.objects.filter(recipient=bob).count() == 1
    assert sorted(sent) == sorted([first[0].pk, again[0].pk])


def test_another_key_is_another_notification(make_user, sent, django_capture_on_commit_callbacks):
    alice = make_user("alice")
    with django_capture_on_commit_callbacks(execute=True):
        _notify([alice], key="case:1:dispatched:1")
        _notify([alice], key="case:1:deadline_yellow")
    assert Notification.objects.filter(recipient=alice).count() == 2
    assert len(sent) == 2


def test_rolled_back_notify_leaves_nothing_and_sends_nothing(make_user, sent, django_capture_on_commit_callbacks):
    alice = make_user("alice")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _notify([alice])
        raise RuntimeError("the case transition failed")
    assert callbacks == []
    assert sent == []
    assert not Notification.objects.exists()


def test_inactive_users_and_empty_lists_are_skipped(make_user, sent):
    gone = make_user("gone", is_active=False)
    assert _notify([gone]) == []
    assert _notify([]) == []
    assert not Notification.objects.exists()


def test_dedupe_key_is_required(make_user):
    with pytest.raises(ValueError):
        _notify([make_user("alice")], key="")


def test_long_titles_are_shortened_not_refused(make_user, sent):
    (n,) = _notify([make_user("alice")], title="长" * 500)
    n.refresh_from_db()
    assert len(n.title) == 200 and n.title.endswith("…")


def test_concurrent_insert_of_the_same_key_is_absorbed(make_user, sent, monkeypatch):
    """Another notify committed the row between our check and our insert: no error, no duplicate."""
    alice = make_user("alice")
    other = Notification.objects.create(recipient=alice, kind="k", title="t", dedupe_key="race")
    real_filter = Notification.objects.filter

    def blind_filter(*args, **kwargs):  # the check saw nothing, as it would before the race
        return real_filter(pk__in=[]) if kwargs.get("dedupe_key") == "race" else real_filter(*args, **kwargs)

    monkeypatch.setattr(Notification.objects, "filter", blind_filter)
    assert _notify([alice], key="race") == []
    monkeypatch.undo()
    assert list(Notification.objects.filter(recipient=alice)) == [other]


def test_inbox_and_mark_read(make_user, sent):
    alice, bob = make_user("alice"), make_user("bob")
    a1 = _notify([alice], key="k1")[0]
    a2 = _notify([alice, bob], key="k2")[0]
    assert list(selectors.inbox(alice)) == [a2, a1]  # newest first
    assert selectors.unread_count(alice) == 2

    b2 = selectors.inbox(bob).get()
    assert services.mark_read(user=alice, ids=[a1.pk, b2.pk]) == 1  # bob's is not alice's to mark
    assert list(selectors.inbox(alice, unread_only=True)) == [a2]
    assert selectors.unread_count(bob) == 1
    assert services.mark_read(user=alice, ids=[a1.pk]) == 0  # already read: unchanged read_at
    assert services.mark_read(user=alice) == 1  # all
    assert selectors.unread_count(alice) == 0
