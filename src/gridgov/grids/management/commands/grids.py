import json

from django.core.management.base import BaseCommand, CommandError

from gridgov.core.errors import GridgovError
from gridgov.core.geo import CRS_CHOICES, CoordinateError
from gridgov.grids import formats
from gridgov.grids.checks import check_tree
from gridgov.grids.division import SERVICES
from gridgov.grids.models import Grid
from gridgov.grids.selectors import OutsideGrids, locate
from gridgov.grids.services import GridImportError, import_grids, retire_grid


def dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


class Command(BaseCommand):
    help = "The grid tree: import, check, locate, export, retire (网格)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("import", help="import grids from GeoJSON, Shapefile (.shp/.zip) or Excel (.xlsx)")
        p.add_argument("file")
        p.add_argument("--crs", choices=CRS_CHOICES, default="wgs84")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("check", help="seamless cover and size balance of the tree")
        p.add_argument("--root", help="check only the subtree under this code")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("locate", help="the grid chain of a point")
        p.add_argument("lon", type=float)
        p.add_argument("lat", type=float)
        p.add_argument("--crs", choices=CRS_CHOICES, default="wgs84")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("export", help="export grids to GeoJSON, Shapefile (.shp/.zip) or Excel (.xlsx)")
        p.add_argument("file")
        p.add_argument("--root", help="export only the subtree under this code")
        p.add_argument("--crs", choices=CRS_CHOICES, default="wgs84")
        p = sub.add_parser("propose", help="propose 三级网格 for a community from its registry households (网格划分)")
        p.add_argument("--community", required=True, metavar="CODE", help="the community's 12-digit code")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--accept", action="store_true", help="redraw the community's grids as proposed (audited)")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("retire", help="retire grids and the grids under them (cases keep pointing at them)")
        p.add_argument("codes", nargs="+", metavar="CODE")
        p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        return getattr(self, f"do_{action}")(**options)

    def do_import(self, *, file, crs, json=False, **_):
        try:
            items = formats.read_file(file)
            result = import_grids(items=items, crs=crs, source=str(file))
        except GridImportError as exc:
            if json:
                self.stdout.write(
                    dump(
                        {
                            "created": 0,
                            "updated": 0,
                            "unchanged": 0,
                            "boundaries_changed": 0,
                            "errors": [e.as_dict() for e in exc.errors],
                        }
                    )
                )
            else:
                for e in exc.errors:  # row 0: the file as a whole (unreadable, incomplete, not polygons …)
                    self.stderr.write(f"row {e.row} {e.code}: {e.message}" if e.row else e.message)
            raise CommandError(f"{exc}") from exc
        if json:
            self.stdout.write(dump(result.as_dict()))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")
            )

    def do_check(self, *, root=None, json=False, **_):
        report = check_tree(root)
        if json:
            self.stdout.write(dump(report.as_dict()))
        else:
            data = report.as_dict()
            self.stdout.write(f"grids by level: {data['counts_by_level']}")
            for key in ("gaps", "overlaps", "outside_parent", "orphans", "invalid", "missing_geometry", "size_flags"):
                self.stdout.write(f"{key}: {data[key]}")
            for p in report.problems[:50]:
                self.stdout.write(f"  {p['check']} {p['code']}: {p['detail']}")
        if not report.ok:
            raise CommandError("the grid tree has gaps, overlaps or broken parents")

    def do_locate(self, *, lon, lat, crs, json=False, **_):
        try:
            located = locate(lon, lat, crs)
        except (CoordinateError, OutsideGrids) as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(dump(located.as_dict()))
        else:
            self.stdout.write(" > ".join(f"{n.name} ({n.code})" for n in located.chain))

    def do_export(self, *, file, root=None, crs="wgs84", **_):
        try:
            count = formats.write_file(file, root=root, crs=crs)
        except GridImportError as exc:
            raise CommandError(exc.errors[0].message) from exc
        self.stdout.write(self.style.SUCCESS(f"exported {count} grids to {file}"))

    def do_retire(self, *, codes, json=False, **_):
        """Each code through services.retire_grid (audited), in the order given; a refusal (unknown, or retired
        already — also by an earlier code of the list) stops there, the grids retired before it stay retired."""
        retired = []
        for code in codes:
            try:
                grid = retire_grid(code=code)
            except GridgovError as exc:
                if json:
                    self.stdout.write(dump({"retired": retired, "error": exc.message}))
                raise CommandError(exc.message) from exc
            count = Grid.objects.filter(code__startswith=code, valid_to=grid.valid_to).count()
            retired.append({"code": code, "name": grid.name, "retired": count, "valid_to": grid.valid_to.isoformat()})
            if not json:
                self.stdout.write(self.style.SUCCESS(f"retired {grid.name} ({code}) and the grids under it: {count}"))
        if json:
            self.stdout.write(dump({"retired": retired}))

    def do_propose(self, *, community, seed=0, accept=False, json=False, **_):
        """The registry's proposal (registry/division.py, through the SERVICES hook); --accept writes it as
        the system, which the audit log records."""
        try:
            if accept:
                data = SERVICES["accept_as_system"](community=community, seed=seed)
            else:
                data = SERVICES["propose"](community=community, seed=seed).as_dict()
        except GridgovError as exc:
            raise CommandError(exc.message) from exc
        if json:
            self.stdout.write(dump(data))
            return
        rule = data["rule"]
        self.stdout.write(
            f"{data['name']} ({data['community']}): {data['households']} households, rule {rule['min']}–{rule['max']}, "
            f"{len(data['grids'])} grids, {data['changed_households']} households change grid, {data['seconds']} s"
        )
        for g in data["grids"]:
            mark = "kept" if g["kept"] else ("continues" if g["continues"] else "new")
            self.stdout.write(
                f"  {g['code']} {g['households']:5d} households  compactness {g['compactness']:.2f}  {mark}"
            )
        for code in data["retired"]:
            self.stdout.write(f"  {code} retired")
