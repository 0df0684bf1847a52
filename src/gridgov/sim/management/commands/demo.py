import json

from django.core.management import call_command
from django.core.management.base import BaseCommand

from gridgov.core.management.commands.serve import serve
from gridgov.sim import hotline
from gridgov.sim.services import build_demo_city


class Command(BaseCommand):
    help = "Build the 中原区 demo city (real boundary, streets and communities) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="build and stop")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--days", type=int, default=30, help="days of simulated history")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--reset", action="store_true", help="clear the database and build afresh")
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--with-12345",
            action="store_true",
            help="with a simulated city 12345 platform exchanging work orders (on --city-port)",
        )
        parser.add_argument("--city-port", type=int, default=8012)
        parser.add_argument(
            "--full-registry",
            action="store_true",
            help="synthetic households in every grid at its own count (some six minutes more), not only in 柳湖街道",
        )

    def handle(
        self,
        *args,
        no_serve,
        port,
        days,
        seed,
        reset,
        json: bool,
        full_registry: bool,
        with_12345,
        city_port,
        **options,
    ):
        call_command("migrate", interactive=False, verbosity=0)
        say = (lambda m: None) if json else (lambda m: self.stdout.write(f"… {m}"))
        result = build_demo_city(seed=seed, reset=reset, days=days, full_registry=full_registry, progress=say)
        if json:
            self.stdout.write(_json(result.as_dict()))
        elif result.built:
            self.stdout.write(self.style.SUCCESS(f"demo city built: {result.grids} grids"))
        else:
            self.stdout.write(f"the demo city is already here ({result.grids} grids); --reset rebuilds it")
        if with_12345:
            if no_serve:  # one round trip now, in this process: the figures of the exchange
                self.stdout.write(
                    _json({"12345": hotline.round_trip(seed=seed)}) if json else _lines(hotline.round_trip(seed=seed))
                )
            else:
                hotline.spawn_city(port=city_port)  # the worker (started by serve) pulls and delivers
        if not no_serve:
            serve(port, workers=2)


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False)


def _lines(data: dict) -> str:
    return "\n".join(f"12345 {k}: {v}" for k, v in data.items())
