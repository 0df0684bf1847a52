"""API keys: made by the command or the admin (shown once, stored as a digest), switched off, and each
client's rate per minute (429 in the spec's error shape)."""

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.core.models import AuditEvent
from gridgov.open311.models import ApiKey
from tests.open311.schema import problems


def test_the_command_prints_name_and_key_once_and_stores_only_a_digest(o311, report):
    out = StringIO()
    call_command("open311", "key", "--name", "街道App", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert set(printed) == {"name", "api_key"} and printed["name"] == "街道App"
    key = ApiKey.objects.get(name="街道App")
    assert key.digest == hashlib.sha256(printed["api_key"].encode()).hexdigest()
    assert printed["api_key"] not in {key.digest, key.prefix, key.name}
    assert (key.active, key.per_minute) == (True, 60)
    response, _ = o311().post("requests", {**report, "api_key": printed["api_key"]})
    assert response.status_code == 201
    with pytest.raises(CommandError):
        call_command("open311", "key", "--name", "街道App", stdout=StringIO())
    assert AuditEvent.objects.filter(action="open311.key", object_id=str(key.pk)).exists()


def test_the_admin_makes_a_key_shows_it_once_and_switches_it_off(root, o311, report):
    response = root.post("/admin/open311/apikey/add/", {"name": "网格通", "per_minute": "30"}, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) >= 1
    key = ApiKey.objects.get(name="网格通")
    plain = next(word for m in shown for word in m.split() if hashlib.sha256(word.encode()).hexdigest() == key.digest)
    page = root.get(f"/admin/open311/apikey/{key.pk}/change/").content.decode()
    assert plain not in page  # never again
    assert o311().post("requests", {**report, "api_key": plain})[0].status_code == 201
    root.post(f"/admin/open311/apikey/{key.pk}/change/", {"per_minute": "5"})
    assert ApiKey.objects.get(pk=key.pk).per_minute == 5
    assert AuditEvent.objects.filter(action="open311.key_rate", object_id=str(key.pk)).exists()
    root.post(
        "/admin/open311/apikey/", {"action": "switch_off", "_selected_action": [key.pk], "index": "0"}, follow=True
    )
    assert not ApiKey.objects.get(pk=key.pk).active
    assert o311().post("requests", {**report, "api_key": plain, "description": "again"})[0].status_code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_over_its_rate_gets_429_in_the_specs_shape(o311, report, fmt):
    from gridgov.open311.keys import create_key

    _, plain = create_key(name=f"slow {fmt}", per_minute=2)
    answers = [o311(fmt).post("requests", {**report, "api_key": plain, "description": f"第{i}次"}) for i in range(3)]
    assert [r.status_code for r, _ in answers] == [201, 201, 429]
    response, body = answers[2]
    assert int(response["Retry-After"]) >= 1
    if fmt == "json":
        assert problems("errors", body) == [] and body[0]["code"] == 429
    else:
        assert body.tag == "errors" and body.findtext("error/code") == "429"
    # reads with the key count too (in memory); without a key they are not this client's
    reads = [o311(fmt).get("services", api_key=plain)[0].status_code for _ in range(3)]
    assert reads == [200, 200, 429]
    assert o311(fmt).get("services")[0].status_code == 200
    assert o311(fmt).get("services", api_key="wrong")[0].status_code == 403


def test_the_admin_adds_extra_fields_through_the_service_and_refuses_bad_choices(root, o311, plain_service):
    from gridgov.open311.models import ServiceAttribute
    from gridgov.routing.models import Category

    cat = Category.objects.get(code=plain_service)
    form = {
        "category": cat.pk,
        "code": "side",
        "description": "哪一侧？",
        "datatype": "singlevaluelist",
        "datatype_description": "",
        "required": "on",
        "variable": "on",
        "order": "1",
    }
    for bad in ("[]", '[{"key": "a"}]', '[{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]'):
        response = root.post("/admin/open311/serviceattribute/add/", {**form, "values": bad})
        assert response.status_code == 200 and not ServiceAttribute.objects.exists(), bad  # the form again
    branch = Category.objects.filter(is_leaf=False).first()
    values = '[{"key": "east", "name": "东侧"}, {"key": "west", "name": "西侧"}]'
    response = root.post("/admin/open311/serviceattribute/add/", {**form, "category": branch.pk, "values": values})
    assert response.status_code == 200 and not ServiceAttribute.objects.exists()
    response = root.post("/admin/open311/serviceattribute/add/", {**form, "values": values})
    assert response.status_code == 302
    attribute = ServiceAttribute.objects.get()
    assert AuditEvent.objects.filter(action="open311.attribute_add", object_id=str(attribute.pk)).exists()
    assert o311().get(f"services/{plain_service}")[1]["attributes"][0]["values"][1] == {"key": "west", "name": "西侧"}
    root.post(f"/admin/open311/serviceattribute/{attribute.pk}/delete/", {"post": "yes"})
    assert not ServiceAttribute.objects.exists()
    assert o311().get(f"services/{plain_service}")[0].status_code == 404
