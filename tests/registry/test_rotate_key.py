"""Rotating the personal-data key (`gridgov datakey rotate`, core.rotation): every encrypted column of every
app re-encrypted from key A to key B, searches, tracking codes and case chains still working; a value that
opens under neither key stops it before anything is written."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gridgov.cases import chains
from gridgov.cases.models import Case
from gridgov.cases.services import report_case, tracking_code_matches
from gridgov.core import crypto, rotation
from gridgov.core.keys import data_key
from gridgov.core.models import AuditEvent
from gridgov.people.actors import Actor
from gridgov.registry import selectors, services
from gridgov.registry.models import OrganisationKind, Resident
from tests.registry.conftest import ID_NUMBER, NAME, PHONE, SYSTEM

KEY_B = "rotation-test-key-B-0123456789-abcdefghijklmnopqrstuvwxyz"


def raw_values() -> dict[tuple[str, object, str], str]:
    """Every non-empty stored value of every encrypted column, as in the database."""
    found = {}
    for table in rotation.encrypted_tables():
        for rows in rotation._batches(table, lock=False, batch=1000):
            for pk, *values in rows:
                for name, stored in zip(table.fields, values, strict=True):
                    if stored:
                        found[(table.label, pk, name)] = stored
    return found


@pytest.fixture
def records(resident, spot):
    """Under key A (the tests' key): a resident, an organisation's contact, a case with its reporter."""
    shop = services.record_organisation(
        actor=SYSTEM, kind=OrganisationKind.SHOP, name="便民超市", grid_code=spot["grid"], contact_phone="13912345678"
    )
    made = report_case(
        actor=Actor.anonymous(),
        title="噪音扰民",
        lon=spot["lon"],
        lat=spot["lat"],
        reporter_name="王小明",
        reporter_phone="13812348819",
    )
    return {"resident": resident, "shop": shop, "case": made.case.number, "tracking": made.tracking_code}


def test_every_encrypted_column_is_found_through_the_model_registry():
    columns = {(t.label, f) for t in rotation.encrypted_tables() for f in t.fields}
    assert {
        ("registry.Resident", "name"),
        ("registry.Resident", "id_number"),
        ("registry.Resident", "phone"),
    } <= columns
    assert {("registry.Organisation", "contact_phone"), ("cases.Case", "reporter_name")} <= columns
    assert {("cases.Case", "reporter_phone"), ("cases.IdempotencyKey", "tracking_code")} <= columns


def test_rotate_from_a_to_b_then_everything_reads_under_b_and_nothing_under_a(records, settings, capsys, account, spot):
    key_a = data_key()
    assert all(crypto.decrypt_with(v, key_a) is not None for v in raw_values().values())
    settings.GRIDGOV_DATA_KEY, settings.GRIDGOV_DATA_KEY_OLD, settings.GRIDGOV_DIGEST_KEY = KEY_B, key_a, key_a
    key_b = data_key()
    # written while the rotation is under way (or by an interrupted run): under B already, left as it is
    services.record_organisation(
        actor=SYSTEM,
        kind=OrganisationKind.SHOP,
        name="便民超市",
        grid_code=records["shop"].grid.code,
        contact_phone="13912345679",
        organisation=records["shop"],
    )
    before = raw_values()

    call_command("datakey", "rotate", "--dry-run")
    dry = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert dry["dry_run"] and dry["rows_written"] == 0 and raw_values() == before
    assert dry["columns"]["registry.Resident.id_number"]["old"] >= 1
    assert dry["columns"]["cases.Case.reporter_phone"]["old"] >= 1
    assert dry["columns"]["registry.Organisation.contact_phone"]["new"] == 1

    events = AuditEvent.objects.count()
    call_command("datakey", "rotate", "--batch", "2")  # small batches: several transactions a table
    done = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert done["rows_written"] >= 2 and done["columns"] == dry["columns"]
    assert list(AuditEvent.objects.order_by("id")[events:].values_list("action", flat=True)) == [
        "personal_data.rotate_key"
    ]
    after = raw_values()
    assert after.keys() == before.keys()
    for where, stored in after.items():
        was = crypto.decrypt_with(before[where], key_b, key_a)
        assert stored.startswith("v1:") and crypto.decrypt_with(stored, key_b) == was
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt_with(stored, key_a)

    # the old key is gone from the configuration: everything reads under B alone
    settings.GRIDGOV_DATA_KEY_OLD = ""
    person = Resident.objects.get(pk=records["resident"].pk)
    assert (person.name, person.id_number, person.phone) == (NAME, ID_NUMBER, PHONE)
    case = Case.objects.get(number=records["case"])
    assert (case.reporter_name, case.reporter_phone) == ("王小明", "13812348819")
    # keyed digests stayed under A (GRIDGOV_DIGEST_KEY): search, tracking codes and the chains still match
    worker = Actor.of(account(f"worker-{spot['grid']}"))
    assert list(selectors.residents(worker, id_number=ID_NUMBER).values_list("pk", flat=True)) == [person.pk]
    assert tracking_code_matches(case, records["tracking"])
    assert chains.verify_chains([records["case"]]).ok
    # a second run finds nothing left to do (resumable)
    assert rotation.rotate(old=key_a).written_rows == 0

    settings.GRIDGOV_DATA_KEY = ""  # back to A alone: nothing reads
    with pytest.raises(crypto.DecryptionError):
        Resident.objects.get(pk=person.pk)


def test_a_value_under_neither_key_stops_the_rotation_before_any_write(records, settings):
    key_a = data_key()
    settings.GRIDGOV_DATA_KEY = "a-third-key-nobody-kept-0123456789-abcdefghijklmnop"
    stray = crypto.encrypt("13700001111")  # written under a key that is neither A nor B
    settings.GRIDGOV_DATA_KEY = ""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_organisation SET contact_phone = %s WHERE id = %s", [stray, records["shop"].pk])
    before, events = raw_values(), AuditEvent.objects.count()
    settings.GRIDGOV_DATA_KEY, settings.GRIDGOV_DATA_KEY_OLD, settings.GRIDGOV_DIGEST_KEY = KEY_B, key_a, key_a
    with pytest.raises(CommandError, match=rf"registry.Organisation.contact_phone of row {records['shop'].pk} "):
        call_command("datakey", "rotate")
    assert raw_values() == before and AuditEvent.objects.count() == events


def test_the_rotation_refuses_without_an_old_key_or_a_kept_digest_key(records, settings):
    key_a = data_key()
    settings.GRIDGOV_DATA_KEY = KEY_B
    with pytest.raises(rotation.RotationError, match="GRIDGOV_DATA_KEY_OLD"):
        rotation.check()
    settings.GRIDGOV_DATA_KEY_OLD = key_a
    with pytest.raises(rotation.RotationError, match="GRIDGOV_DIGEST_KEY"):
        rotation.check()
    settings.GRIDGOV_DATA_KEY_OLD, settings.GRIDGOV_DIGEST_KEY = KEY_B, key_a
    with pytest.raises(rotation.RotationError, match="same key"):
        rotation.check()
