"""The chain's digests made faster for bulk imports give the very digests of the one-by-one path: record._mac
against the plain json.dumps + hmac.new it replaced, record.Digests / state_digests / event_digests against
_mac / state_digest / event_digest, and tracking_hashes against tracking_hash."""

import hashlib
import hmac
import json
import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.test import override_settings

from gridgov.cases.services import record
from gridgov.cases.services.numbering import TRACKING_ALPHABET, new_tracking_code, new_tracking_codes
from gridgov.core.keys import audit_key

KEY = override_settings(GRIDGOV_AUDIT_KEY="digests-audit-key", GRIDGOV_DATA_KEY="digests-data-key")
CST = timezone(timedelta(hours=8))
VALUES = [
    "",
    '中原区 林山寨街道 "引号" \\ \n\t\x00 \u2028 😀',
    None,
    True,
    False,
    0,
    -7,
    2**70,
    0.0,
    -0.0,
    113.6253241,
    1e-7,
    1e22,
    3,
    datetime(2025, 3, 4, 5, 6, 7, tzinfo=CST),
    datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC),
    date(2025, 3, 4),
    [],
    ["U01", "U02"],
    {"channel": "import", "photos": [], "z": {"b": 1, "a": [None, 1.5]}},
]


def _old_mac(purpose: str, prev: str, body: dict) -> str:
    # record._mac as it was: json.dumps and hmac.new on every call
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=record.canonical)
    return hmac.new(audit_key(), "\x1f".join((purpose, prev, text)).encode(), hashlib.sha256).hexdigest()


@KEY
def test_mac_is_the_plain_json_and_hmac():
    rng = random.Random(20261207)
    for _ in range(300):
        body = {f"k{rng.randrange(40)}": rng.choice(VALUES) for _ in range(rng.randrange(0, 12))}
        assert record._mac("case-state", "", body) == _old_mac("case-state", "", body)
        assert record._mac("case-event", "ab" * 32, body) == _old_mac("case-event", "ab" * 32, body)


@KEY
@pytest.mark.parametrize("value", VALUES)
def test_member_is_the_json_of_a_value(value):
    assert record._member(value) == record._JSON.encode(value)


@KEY
def test_digests_are_mac_of_the_whole_body():
    rng = random.Random(7)
    keys = ["a", "b", "title", "lon", "Z", "état", "中", "at", "state", "number"]
    for _ in range(300):
        body = {key: rng.choice(VALUES) for key in rng.sample(keys, rng.randrange(1, len(keys) + 1))}
        varying = tuple(rng.sample(sorted(body), rng.randrange(0, len(body) + 1)))
        shared = {k: v for k, v in body.items() if k not in varying}
        digests = record.Digests("case-event", "f" * 64, shared, varying)
        for _ in range(3):
            values = {key: rng.choice(VALUES) for key in varying}
            assert digests(values) == _old_mac("case-event", "f" * 64, {**shared, **values})


def test_digests_refuse_a_key_both_shared_and_varying():
    with pytest.raises(ValueError):
        record.Digests("case-state", "", {"a": 1}, ("a",))


def _state(**changes) -> dict:
    state = dict.fromkeys(record.STATE_FIELDS) | {"grid": "G1", "category": None, "master": None}
    state |= {"title": "路灯不亮", "lon": 113.6, "lat": 34.7, "clock_banked": 0, "photos": [], "urgent": False}
    return state | changes


@KEY
def test_state_digests_are_state_digest():
    varying = ("title", "lon", "lat", "grid", "category", "reported_at")
    digest = record.state_digests(_state(), varying)
    rng = random.Random(3)
    for _ in range(100):
        values = {
            "title": rng.choice(["井盖", '占道经营 "x"', ""]),
            "lon": rng.choice([113, 113.5, 113.6253241]),  # an int as well: state_digest digests it as a float
            "lat": rng.uniform(34, 35),
            "grid": rng.choice(["G1", "G2"]),
            "category": rng.choice([None, "C01"]),
            "reported_at": datetime(2025, 1, 1, tzinfo=CST) + timedelta(seconds=rng.randrange(10**7)),
        }
        assert digest(values) == record.state_digest(_state(**values))


@KEY
def test_event_digests_are_event_digest():
    fields = {
        "seq": 1,
        "action": "report",
        "actor_label": "12345 热线",
        "actor_role": "system",
        "from_status": "",
        "to_status": "reported",
        "unit": "",
        "note": "",
        "data": {"channel": "import", "photos": []},
    }
    digests = record.event_digests(prev_hash="", varying=("number", "actor_unit", "at", "state"), **fields)
    for i in range(20):
        values = {
            "number": f"20250101{i:06d}",
            "actor_unit": ["", "P01", "中原区"][i % 3],
            "at": datetime(2025, 1, 1, 8, tzinfo=CST) + timedelta(minutes=i),
            "state": "%064x" % i,
        }
        assert digests(values) == record.event_digest(**fields, **values, prev_hash="")
    with pytest.raises(ValueError):
        record.event_digests(prev_hash="", varying=("seq",), **fields)


@KEY
def test_tracking_hashes_are_tracking_hash():
    codes = [(f"20250101{i:06d}", new_tracking_code()) for i in range(50)] + [("N1", " abc2 ")]
    assert record.tracking_hashes(codes) == [record.tracking_hash(number, code) for number, code in codes]


def test_tracking_codes_spell_one_draw_lowest_digit_first(monkeypatch):
    base = len(TRACKING_ALPHABET)
    rng = random.Random(11)
    for n in [0, 1, base - 1, base, base**2 - 1, base**2, base**10 - 1, *(rng.randrange(base**10) for _ in range(500))]:
        monkeypatch.setattr("secrets.randbelow", lambda bound, n=n: n)
        expected, rest = "", n
        for _ in range(10):
            rest, digit = divmod(rest, base)
            expected += TRACKING_ALPHABET[digit]
        assert new_tracking_code() == expected


@KEY
def test_a_moment_digests_as_its_canonical_text():
    at = datetime(2025, 3, 4, 5, 6, 7, tzinfo=CST)
    digests = record.Digests("case-state", "", {"a": 1}, ("at",))
    expected = _old_mac("case-state", "", {"a": 1, "at": at})
    assert digests({"at": record.canonical(at)}) == digests({"at": at}) == expected


@KEY
def test_reporter_digests_are_reporter_digest():
    contacts = [("张伟", "13812345678"), ("", ""), ("", "13800000000"), ("王芳", ""), ("a\x1fb", "c"), ("", "")]
    assert record.reporter_digests(contacts) == [record.reporter_digest(name, phone) for name, phone in contacts]
    assert record.reporter_digests([]) == []


def test_tracking_codes_in_bulk_spell_uniform_draws(monkeypatch):
    base = len(TRACKING_ALPHABET)
    draws = [base**10 - 1, (1 << 64) - 1, 5, 0]  # the second is above the last whole multiple: drawn again
    pool = b"".join(n.to_bytes(8, "little") for n in draws)
    reads = []

    def token_bytes(size):
        reads.append(size)
        taken = pool[sum(reads[:-1]) : sum(reads)]
        return taken

    monkeypatch.setattr("secrets.token_bytes", token_bytes)
    spelled = []
    for n in (base**10 - 1, 5, 0):
        monkeypatch.setattr("secrets.randbelow", lambda bound, n=n: n)
        spelled.append(new_tracking_code())
    assert new_tracking_codes(3) == spelled
    assert reads == [24, 8]  # one read for all, one more for the draw refused
    monkeypatch.undo()
    codes = new_tracking_codes(2_000)
    assert len(set(codes)) == 2_000 and all(len(c) == 10 and set(c) <= set(TRACKING_ALPHABET) for c in codes)
