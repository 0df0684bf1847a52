import json

from django.core.management.base import BaseCommand, CommandError

from gridgov.bench import registry


class Command(BaseCommand):
    help = ("Run benchmarks (基准测试): every registered one, or those named. Each gives "
            "{value, unit, limit, ratio, better, size, …}; --scale 1 is the size the issue names.")

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", metavar="NAME",
                            help=f"benchmarks to run (default: all of {', '.join(registry.names())})")
        parser.add_argument("--scale", type=float, default=1.0, help="size factor; 1 is the full size")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, names, scale, json: bool, **options):
        if not scale > 0:
            raise CommandError(f"--scale must be positive, not {scale}")
        names = list(dict.fromkeys(names)) or registry.names()
        try:
            benchmarks = {name: registry.get(name) for name in names}
        except registry.UnknownBenchmark as exc:
            raise CommandError(str(exc)) from exc

        progress = (lambda m: None) if json else (lambda m: self.stderr.write(f"… {m}"))
        results = {}
        for name, run in benchmarks.items():
            try:
                results[name] = run(scale, progress)
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
                rest = {k: v for k, v in val.items() if k not in ("value", "unit", "limit", "ratio", "better")}
                out += _lines(rest, indent + "  ")
            else:
                out.append(f"{indent}{key}: " + ", ".join(f"{k} {_num(v)}" for k, v in val.items()))
        else:
            out.append(f"{indent}{key}: {_num(val)}")
    return out


def _headline(r: dict) -> str:
    verdict = "met" if r["ratio"] >= 1 else "NOT met"
    return (f"{_num(r['value'])} {r['unit']} (limit {_num(r['limit'])}, {r['better']} is better; "
            f"ratio {r['ratio']:.2f}, {verdict})")


def describe(name: str, result: dict) -> str:
    """A benchmark result for people: the headline, then every detail."""
    rest = {k: v for k, v in result.items() if k not in ("value", "unit", "limit", "ratio", "better")}
    return "\n".join([f"{name}: {_headline(result)}", *_lines(rest, "  ")])
