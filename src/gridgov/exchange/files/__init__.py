"""Work orders in files (工单文件): CSV or Excel in (import_orders) and out (export_cases)."""

from gridgov.exchange.files.exporting import export_cases
from gridgov.exchange.files.importing import import_orders

__all__ = ["export_cases", "import_orders"]
