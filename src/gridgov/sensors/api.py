"""Sensors over JSON under /api/v1/sensors (docs/architecture.md §4.3).

Devices send alarms and heartbeats with their own credentials (`Authorization: Device <serial>:<secret>`),
checked before the body is read (401 first, then 400 for a body that does not parse); staff list the
devices of their grids and the silent ones with their token.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema, Status
from pydantic import Field, ValidationError

from gridgov.core.errors import BadInput
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem
from gridgov.sensors import alarms, selectors, services
from gridgov.sensors.models import Device

router = Router(tags=["sensors"])
ROUTERS = [("/sensors", router)]  # mounted by gridgov.http.api


class AlarmIn(Schema):
    event_id: str = Field(min_length=1, max_length=100, description="the device's own id of this alarm")
    at: datetime = Field(description="when the device raised it, with its UTC offset")
    kind: str | None = Field(None, description="smoke, fall, gas, water_leak or door; default the device's kind")
    data: dict = Field(default_factory=dict, description="readings as the device sends them")


def device_from_request(request: HttpRequest) -> Device:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    serial, _, secret = credentials.strip().partition(":")
    return services.authenticate(serial if scheme.lower() == "device" else "", secret)


def _alarm_body(request: HttpRequest) -> AlarmIn:
    try:
        return AlarmIn.model_validate(json.loads(request.body or b"{}"))
    except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
        errors = exc.errors(include_url=False) if isinstance(exc, ValidationError) else []
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors) or str(exc)
        raise BadInput(gettext("the alarm body is not valid: %(errors)s") % {"errors": where}) from exc


@router.post(
    "/alarms",
    response={201: dict, 200: dict, 400: Problem, 401: Problem},
    summary="An alarm from a device (报警): opens an urgent case or joins the open one",
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": AlarmIn.model_json_schema()}}}},
)
def alarm(request: HttpRequest):
    device = device_from_request(request)
    body = _alarm_body(request)
    received = alarms.receive_alarm(
        device=device,
        event_id=body.event_id,
        at=body.at,
        kind=body.kind,
        data=body.data,
    )
    # the same answer to a resent event id: the device may not have heard the first one
    answer = {
        "event_id": received.alarm.event_id,
        "alarm": received.alarm.pk,
        "case": received.case.number,
        "folded": received.folded,
    }
    return Status(200 if received.folded else 201, answer)


@router.post("/heartbeat", response={200: dict, 401: Problem}, summary="A device is alive (心跳)")
def heartbeat(request: HttpRequest):
    device = services.heartbeat(device=device_from_request(request))
    return {"serial": device.serial, "last_seen_at": device.last_seen_at}


@router.get("/devices", response={200: dict, 401: Problem, 404: Problem}, summary="Devices of my grids")
def devices(request: HttpRequest, grid: str | None = None):
    actor = actor_from_request(request, required=True)
    return {"devices": [selectors.device_out(d) for d in selectors.visible_devices(actor, grid=grid)]}


@router.get("/devices/{serial}", response={200: dict, 401: Problem, 404: Problem}, summary="One device of my grids")
def device(request: HttpRequest, serial: str):
    actor = actor_from_request(request, required=True)
    return selectors.device_out(selectors.device(actor, serial))


@router.get("/silent", response={200: dict, 401: Problem, 404: Problem}, summary="Devices silent too long (失联)")
def silent(request: HttpRequest, grid: str | None = None):
    actor = actor_from_request(request, required=True)
    return {
        "devices": [
            selectors.device_out(d) for d in selectors.silent_devices(selectors.visible_devices(actor, grid=grid))
        ]
    }
