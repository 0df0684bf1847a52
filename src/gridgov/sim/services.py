"""Building the demo city through the same services the product uses."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.management import call_command
from django.db import transaction

from gridgov.assessment.services import install_default_schemes
from gridgov.cases.suggestions import retrain_categories
from gridgov.grids.models import Grid
from gridgov.grids.services import GridInput, import_grids
from gridgov.points.services import install_default_rules
from gridgov.registry.services import install_key_group_tags
from gridgov.routing.services import load_all
from gridgov.sim.campaigns import build_demo_campaigns
from gridgov.sim.city import DISTRICT_CODE, build_layout
from gridgov.sim.deliberation import build_demo_deliberation
from gridgov.sim.deputies import build_demo_deputies
from gridgov.sim.fieldwork import simulate_fieldwork
from gridgov.sim.history import simulate_history
from gridgov.sim.mediation import build_demo_mediation
from gridgov.sim.oversight import build_demo_oversight
from gridgov.sim.party import build_demo_party
from gridgov.sim.points import build_demo_points
from gridgov.sim.residents import FULL_STREET, build_demo_registry
from gridgov.sim.staffing import build_demo_staff
from gridgov.sim.stations import build_demo_stations


@dataclass(frozen=True)
class DemoResult:
    built: bool
    grids: int
    seed: int | None
    posts: int = 0
    registry: dict | None = None
    fieldwork: dict | None = None
    campaigns: dict | None = None
    party: dict | None = None
    mediation: dict | None = None
    stations: dict | None = None
    points: dict | None = None
    deliberation: dict | None = None
    oversight: dict | None = None
    deputies: dict | None = None

    def as_dict(self) -> dict:
        return {
            "built": self.built,
            "grids": self.grids,
            "seed": self.seed,
            "posts": self.posts,
            "registry": self.registry or {},
            "fieldwork": self.fieldwork or {},
            "campaigns": self.campaigns or {},
            "party": self.party or {},
            "mediation": self.mediation or {},
            "stations": self.stations or {},
            "points": self.points or {},
            "deliberation": self.deliberation or {},
            "oversight": self.oversight or {},
            "deputies": self.deputies or {},
        }


def demo_exists() -> bool:
    return Grid.objects.filter(code=DISTRICT_CODE, valid_to__isnull=True).exists()


def build_demo_city(
    *,
    seed: int = 0,
    reset: bool = False,
    days: int = 30,
    people: bool | None = None,
    full_registry: bool = False,
    progress=None,
) -> DemoResult:
    """Build the 中原区 demo city (演示城区) unless it is there already; `reset` starts afresh.

    The grid tree, the category trees and units, the staff, the synthetic registry (sim/residents.py;
    `people`, by default only when there is history: the test session's demo of days=0 stays lean), then
    `days` of simulated cases and of fieldwork (sim/fieldwork.py) driven through the same services the
    API uses. With the defaults it builds in about 2 minutes on a 2-core machine (SQLite).
    `full_registry`: every grid's households at its own count, not only 柳湖街道's (sim/residents.py: some six
    minutes more, beyond the demo's three-minute budget, hence not the default).
    """
    people = days > 0 if people is None else people
    say = progress or (lambda message: None)
    if reset:
        say("clearing the database")
        call_command("flush", interactive=False, verbosity=0)
    if demo_exists():
        return DemoResult(built=False, grids=Grid.objects.filter(valid_to__isnull=True).count(), seed=None)
    say(f"generating the grid layout of 中原区 (seed {seed})")
    layout = build_layout(seed)
    items = [
        GridInput(
            row=i,
            code=g.code,
            name=g.name,
            parent=g.parent,
            households=g.households,
            population=g.population,
            kind="comprehensive",
            geometry=g.geometry,
        )
        for i, g in enumerate(layout, start=1)
    ]
    say(f"importing {len(items)} grids")
    with transaction.atomic():
        result = import_grids(items=items, source=f"demo seed={seed}")
        say("loading the category trees, units and the dispatch catalogue")
        load_all(district=DISTRICT_CODE)
        say("appointing grid workers, leaders, dispatchers and department handlers")
        posts = build_demo_staff(district=DISTRICT_CODE, seed=seed)
        install_default_schemes()  # a flush (--reset, tests) removes the migration's rows
        install_key_group_tags()  # the same for the registry's key groups (重点人群)
        install_default_rules()  # and the points rules (积分规则)
    registry = fieldwork = campaigns = party = points = None
    mediation = deliberation = oversight = stations = deputies = None
    if people:
        say("registering the synthetic households and residents")
        registry = build_demo_registry(seed=seed, full_street=DISTRICT_CODE if full_registry else FULL_STREET)
        say("deliberating matters in 柳湖街道 (一征三议两公开, 四议两公开)")
        deliberation = build_demo_deliberation(seed=seed)
    if days > 0:
        say(f"simulating {days} days of cases through the real services")
        simulate_history(days=days, seed=seed, progress=say)
        # the category suggestions learn from the cases just registered (a model file beside the database)
        trained = retrain_categories()
        say(f"category suggestions: trained on {trained['rows']} cases" if trained["trained"] else trained["why"])
        if people:
            say(f"simulating {days} days of patrols, visits and sensor alarms")
            fieldwork = simulate_fieldwork(days=days, seed=seed)
            say("running a campaign (专项排查) and covert inspections (暗访)")
            campaigns = build_demo_campaigns(seed=seed)
            say("forming party groups, 联户 and 网格吹哨 (party layer)")
            party = build_demo_party(seed=seed, days=days)
            say("opening the 爱心超市 and crediting points (points ledger)")
            points = build_demo_points(seed=seed)
            say("setting up mediation teams and a month of disputes (三类三级一庭)")
            mediation = build_demo_mediation(seed=seed)
            say("opening the service stations and a month of their activities (3671 便民服务)")
            stations = build_demo_stations(seed=seed)
            say("appointing resident supervisors and a month of their inspections (一聘三督)")
            oversight = build_demo_oversight(seed=seed)
            say("deputies in the grids: liaison stations, reception days, needs and suggestions (三单制)")
            deputies = build_demo_deputies(seed=seed)
    return DemoResult(
        built=True,
        grids=result.created,
        seed=seed,
        posts=posts,
        registry=registry,
        fieldwork=fieldwork,
        campaigns=campaigns,
        party=party,
        mediation=mediation,
        stations=stations,
        points=points,
        deliberation=deliberation,
        oversight=oversight,
        deputies=deputies,
    )
