"""Writes of the routing app: the category trees (问题分类), units (处置单位) and the dispatch catalogue (派单目录).

Each loader reads the files shipped in `routing/data/` (see its README for provenance), upserts by natural
key in one transaction and writes one audit event when something changed: loading twice changes nothing.
Values the files carry are restored on a reload (they are the shipped defaults); a category's `active` flag,
a unit's phone and rows the files do not name are local configuration and are left alone.

`import_categories` and `import_dispatch_rules` take the same kind of rows from a file an administrator
uploads (admin import), with the same checks, reporting every wrong row before writing anything.

The parts: loaders (the shipped data files), imports (the admin's files), upserts (what both share: the
row, its checks and the one upsert path). This package exports the public names of all of them.
"""

from gridgov.routing.services.imports import import_categories, import_dispatch_rules, missing_units
from gridgov.routing.services.loaders import (
    CATALOGUE,
    CATEGORY_FILES,
    DATA,
    HOTLINE_LIMITS,
    HOTLINE_TAXONOMY,
    UNITS,
    category_rows,
    hotline_rows,
    load_all,
    load_categories,
    load_dispatch_catalogue,
    load_units,
)
from gridgov.routing.services.upserts import (
    DISTRICT_RE,
    LIMIT_FIELDS,
    CategoryRow,
    K,
    M,
    RoutingDataError,
    RuleKey,
    refresh_tree,
)

__all__ = [
    "CATALOGUE",
    "CATEGORY_FILES",
    "DATA",
    "DISTRICT_RE",
    "HOTLINE_LIMITS",
    "HOTLINE_TAXONOMY",
    "LIMIT_FIELDS",
    "UNITS",
    "CategoryRow",
    "K",
    "M",
    "RoutingDataError",
    "RuleKey",
    "category_rows",
    "hotline_rows",
    "import_categories",
    "import_dispatch_rules",
    "load_all",
    "load_categories",
    "load_dispatch_catalogue",
    "load_units",
    "missing_units",
    "refresh_tree",
]
