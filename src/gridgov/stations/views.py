"""Pages of the service stations (3671 便民服务) for staff: /stations/ (the stations of my area, figures with a
chart, set up a station), one station (catalogue, offerings, service log) and one offering (sign-ups, the
waiting list, capacity, attendance). They translate only: services and selectors scope everything."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from gridgov.core.errors import BadInput, GridgovError, NotFound
from gridgov.core.timefmt import parse_local
from gridgov.people.actors import Actor
from gridgov.stations import rules, selectors, services
from gridgov.stations.models import Kind, ServiceType, TargetGroup


def _when(raw: str):
    value = parse_local(raw)
    if value is None:
        raise BadInput(gettext("give the date and time, like 2026-12-07 09:30"))
    return value


def _int(raw: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise BadInput(gettext("give a whole number")) from None


def _chart(f: dict) -> dict:
    return {
        "types": [str(ServiceType(t).label) for t in f["by_service_type"]],
        "type_values": list(f["by_service_type"].values()),
        "groups": [str(TargetGroup(g).label) for g in f["by_target_group"]],
        "group_values": list(f["by_target_group"].values()),
    }


def _labelled(f: dict) -> dict:
    f["type_rows"] = [(str(ServiceType(t).label), n) for t, n in f["by_service_type"].items()]
    f["group_rows"] = [(str(TargetGroup(g).label), n) for g, n in f["by_target_group"].items()]
    return f


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    actor = Actor.of(request.user)
    error, status = "", 200
    if request.method == "POST":
        try:
            s = services.create_station(
                actor=actor,
                name=request.POST.get("name", ""),
                grid_code=request.POST.get("grid", "").strip(),
                address=request.POST.get("address", ""),
                hours=request.POST.get("hours", ""),
                phone=request.POST.get("phone", ""),
            )
            return redirect("stations:station", station_id=s.pk)
        except GridgovError as exc:
            error, status = exc.message, exc.status
    scopes = rules.scopes(actor)
    end = parse_date(request.GET.get("to", "")) or timezone.localdate()
    start = parse_date(request.GET.get("from", "")) or end - timedelta(days=29)
    prefix = "".join(c for c in request.GET.get("grid", "") if c.isdigit()) or (scopes[0] if len(scopes) == 1 else "")
    figures = None
    if actor.is_admin or (prefix and rules.may_read(actor, prefix)):
        figures = _labelled(selectors.figures(prefix, start, end))
    context = {
        "stations": [selectors.station_row(s) for s in selectors.staff_stations(actor)[:300]],
        "scopes": scopes,
        "prefix": prefix,
        "start": start,
        "end": end,
        "figures": figures,
        "chart": _chart(figures) if figures else None,
        "error": error,
        "form": request.POST if error else {},
    }
    return render(request, "stations/index.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def station_page(request, station_id: int):
    actor = Actor.of(request.user)
    try:
        station = services.station_for(actor, station_id, act=False)
    except NotFound:
        return render(request, "stations/missing.html", status=404)
    error, status = "", 200
    if request.method == "POST":
        post, what = request.POST, request.POST.get("what")
        try:
            if what == "item":
                services.add_item(
                    actor=actor,
                    station_id=station.pk,
                    service_type=post.get("service_type", ""),
                    name=post.get("name", ""),
                    groups=post.getlist("groups"),
                    description=post.get("description", ""),
                )
            elif what == "offering":
                o = services.create_offering(
                    actor=actor,
                    item_id=_int(post.get("item")),
                    kind=post.get("kind", "activity"),
                    title=post.get("title", ""),
                    starts_at=_when(post.get("starts_at", "")),
                    ends_at=_when(post.get("ends_at", "")),
                    place=post.get("place", ""),
                    capacity=_int(post.get("capacity")),
                    deadline=_when(post["deadline"]) if post.get("deadline") else None,
                )
                return redirect("stations:offering", offering_id=o.pk)
            elif what == "log":
                day = parse_date(post.get("day", ""))
                if day is None:
                    raise BadInput(gettext("give the date, like 2026-12-07"))
                services.add_log(
                    actor=actor,
                    station_id=station.pk,
                    service_type=post.get("service_type", ""),
                    day=day,
                    person_times=_int(post.get("person_times")),
                    groups=post.getlist("groups"),
                    notes=post.get("notes", ""),
                )
            return redirect("stations:station", station_id=station.pk)
        except GridgovError as exc:
            error, status = exc.message, exc.status
    today = timezone.localdate()
    context = {
        "station": selectors.station_row(station),
        "may_act": rules.may_act(actor, station.code),
        "items": [selectors.item_row(i) for i in selectors.catalogue(station, active_only=False)],
        "upcoming": [selectors.offering_row(o) for o in selectors.offerings(station=station.pk)[:100]],
        "recent": [
            selectors.offering_row(o)
            for o in selectors.offerings(station=station.pk, upcoming=False)
            .filter(starts_at__lte=timezone.now())
            .order_by("-starts_at")[:50]
        ],
        "logs": list(selectors.logs(station.code, today - timedelta(days=60), today, station.pk)[:100]),
        "figures": _labelled(selectors.figures(station.code, today - timedelta(days=29), today, station.pk)),
        "types": ServiceType.choices,
        "groups": TargetGroup.choices,
        "kinds": Kind.choices,
        "error": error,
    }
    return render(request, "stations/station.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def offering_page(request, offering_id: int):
    actor = Actor.of(request.user)
    o = selectors.offering(offering_id)
    if o is None or not rules.may_read(actor, o.station.code):
        return render(request, "stations/missing.html", status=404)
    error, status = "", 200
    if request.method == "POST":
        post, what = request.POST, request.POST.get("what")
        try:
            if what == "capacity":
                services.set_capacity(actor=actor, offering_id=o.pk, capacity=_int(post.get("capacity")))
            elif what == "attendance":
                services.mark_attendance(
                    actor=actor,
                    offering_id=o.pk,
                    attended=[_int(x) for x in post.getlist("attended")],
                    notes=post.get("notes", ""),
                )
            elif what == "cancel":
                services.cancel_offering(actor=actor, offering_id=o.pk)
            return redirect("stations:offering", offering_id=o.pk)
        except GridgovError as exc:
            error, status = exc.message, exc.status
    context = {
        "o": selectors.offering_row(o),
        "station": o.station,
        "may_act": rules.may_act(actor, o.station.code),
        "bookings": [selectors.booking_row(b, staff=True) for b in selectors.sign_ups(o)],
        "started": o.starts_at <= timezone.now(),
        "error": error,
    }
    return render(request, "stations/offering.html", context, status=status)
