import json

from django.core.management.base import BaseCommand, CommandError

from gridgov.bench import registry


class Command(BaseCommand):
    help = (
        "Run benchmarks (基准测试): every registered one, or those named. Each gives "
        "{value, unit, limit, ratio, better, size, …}; --scale 1 is the size the issue names."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "names",
            nargs="*",
            metavar="NAME",
            help=f"benchmarks to run (default: all of {', '.join(registry.names())})",
        )
        parser.add_argument("--scale", type=float, default=1.0, help="size factor; 1 is the full size")
        parser.add_argument("--json", action="store_true")
        # options of the benchmarks that take them (intake)
        parser.add_argument("--seconds", type=float, help="intake: seconds of each timed run (default 20 × scale)")
        parser.add_argument("--connections", type=int, help="intake: concurrent connections (default 32)")
        parser.add_argument("--database-url", help="intake: the scratch database (default: a temporary SQLite file)")
        parser.add_argument("--small", action="store_true", help="intake: a quick run (3 s, 4 connections)")

    def handle(self, *args, names, scale, json: bool, seconds, connections, database_url, small, **options):
        if not scale > 0:
            raise CommandError(f"--scale must be positive, not {scale}")
        names = list(dict.fromkeys(names)) or registry.names()
        try:
            benchmarks = {name: registry.get(name) for name in names}
        except registry.UnknownBenchmark as exc:
            raise CommandError(str(exc)) from exc
        if small:
            seconds, connections = seconds or 3.0, connections or 4
        extra = {
            k: v
            for k, v in {"seconds": seconds, "connections": connections, "database_url": database_url}.items()
            if v is not None
        }
        if (seconds is not None and seconds <= 0) or (connections is not None and connections <= 0):
            raise CommandError("--seconds and --connections must be positive")
        if extra and not any(extra.keys() <= registry.options(name) for name in names):
            raise CommandError(
                f"no benchmark of {', '.join(names)} takes --{', --'.join(sorted(extra))}".replace("_", "-")
            )

        progress = (lambda m: None) if json else (lambda m: self.stderr.write(f"… {m}"))
        results = {}
        for name, run in benchmarks.items():
            try:
                results[name] = run(scale, progress, **{k: v for k, v in extra.items() if k in registry.options(name)})
            except registry.BenchmarkError as exc:
                raise CommandError(f"{name}: {exc}") from exc
            if not json:
                self.stdout.write(describe(name, results[name]))
        if json:
            self.stdout.write(_json(results))


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _num(x) -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int) or (abs(x) >= 100 and float(x).is_integer()):
        return f"{int(x):,}"
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def _lines(data: dict, indent: str) -> list[str]:
    out = []
    for key, val in data.items():
        if isinstance(val, dict):
            if {"value", "unit", "limit", "ratio"} <= val.keys():
                out.append(f"{indent}{key}: {_headline(val)}")
                rest = {
                    k: v for k, v in val.items() if k not in ("value", "unit", "limit", "ratio", "better") and v != {}
                }
                out += _lines(rest, indent + "  ")
            elif any(isinstance(v, dict) and v for v in val.values()):  # nested figures (intake's runs)
                out.append(f"{indent}{key}:")
                out += _lines(val, indent + "  ")
            else:
                out.append(f"{indent}{key}: " + ", ".join(f"{k} {_num(v)}" for k, v in val.items()))
        else:
            out.append(f"{indent}{key}: {_num(val)}")
    return out


def _headline(r: dict) -> str:
    verdict = "met" if r["ratio"] >= 1 else "NOT met"
    return (
        f"{_num(r['value'])} {r['unit']} (limit {_num(r['limit'])}, {r['better']} is better; "
        f"ratio {r['ratio']:.2f}, {verdict})"
    )


def describe(name: str, result: dict) -> str:
    """A benchmark result for people: the headline, then every detail."""
    rest = {k: v for k, v in result.items() if k not in ("value", "unit", "limit", "ratio", "better")}
    return "\n".join([f"{name}: {_headline(result)}", *_lines(rest, "  ")])
