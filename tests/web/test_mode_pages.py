"""The handling modes on the staff pages: the console changes the mode and replies to the requester; the unit's
page (/dept/) records the site visit of 现场办 (with photos) and the progress of 联动办 — forms shown only when
the case's mode asks for them, refusals shown with their status, nothing written by a refused form."""

import io
from datetime import timedelta

import pytest
import time_machine
from PIL import Image

from gridgov.cases.models import Case
from tests.cases import helpers as h
from tests.cases.test_modes import AT, LEAD, PLATFORM, in_progress

pytestmark = pytest.mark.django_db


def jpeg(name: str) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (80, 120, 200)).save(out, "JPEG")
    out.seek(0)
    out.name = name
    return out


def test_the_console_changes_the_mode_and_replies(client, demo_city):
    number = in_progress("general")
    client.force_login(h.user(PLATFORM))
    url = f"/console/cases/{number}/"
    page = client.get(url).content.decode()
    assert 'id="action-change_mode"' in page and 'id="action-reply"' in page and 'id="case-mode"' in page
    refused = client.post(url, {"action": "change_mode", "mode": "linked", "reason": ""})
    assert refused.status_code == 400 and Case.objects.get(number=number).mode == "coordinated"
    assert client.post(url, {"action": "change_mode", "mode": "linked", "reason": "涉及多个部门"}).status_code == 302
    assert Case.objects.get(number=number).mode == "linked"
    assert client.post(url, {"action": "reply", "reply": "已联系多个部门联动处理"}).status_code == 302
    assert Case.objects.get(number=number).reply == "已联系多个部门联动处理"
    assert 'id="case-reply"' in client.get(url).content.decode()


def test_the_unit_records_the_site_visit_before_the_result(client, demo_city):
    number = in_progress("complex")
    client.force_login(h.user(LEAD))
    url = f"/dept/cases/{number}/"
    page = client.get(url).content.decode()
    assert 'id="form-site_visit"' in page and 'id="form-progress"' not in page  # 现场办 has no schedule
    # the result first is refused with the mode's reason, and changes nothing
    r = client.post(url, {"action": "resolve", "result": "已处理"})
    assert r.status_code == 409 and Case.objects.get(number=number).status == "in_progress"
    r = client.post(url, {"action": "site_visit", "note": "到现场查看"})  # no photo
    assert r.status_code == 400 and not Case.objects.get(number=number).events.filter(action="site_visit").exists()
    r = client.post(url, {"action": "site_visit", "note": "到现场清理", "photos": [jpeg("spot.jpg")]})
    assert r.status_code == 302
    event = Case.objects.get(number=number).events.get(action="site_visit")
    assert len(event.data["photos"]) == 1
    assert client.post(url, {"action": "resolve", "result": "已清理完毕"}).status_code == 302
    assert Case.objects.get(number=number).status == "resolved"


def test_the_unit_reports_progress_under_linked_handling(client, demo_city):
    number = in_progress("major", at=AT)
    client.force_login(h.user(LEAD))
    url = f"/dept/cases/{number}/"
    page = client.get(url).content.decode()
    assert 'id="form-progress"' in page and 'id="progress-due"' in page and 'id="form-site_visit"' not in page
    before = Case.objects.get(number=number).progress_due
    with time_machine.travel((AT + timedelta(days=3)).timestamp(), tick=False):  # three days after dispatch
        assert client.post(url, {"action": "progress", "note": "已召开协调会"}).status_code == 302
    assert Case.objects.get(number=number).progress_due == before + timedelta(days=3)
    assert 'id="form-progress"' not in client.get(f"/dept/cases/{in_progress('general')}/").content.decode()
