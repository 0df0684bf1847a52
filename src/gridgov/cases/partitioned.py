"""The closed loop's append-only tables kept in monthly partitions on PostgreSQL (core/partitions.py).

Case events and case-file readings only grow, and are read by case (its timeline) or by month (indicators,
audits): one partition per local month of `at`. The cases themselves are not partitioned (docs/scaling.md):
a dozen tables refer to a case by its id, and a partitioned table's unique keys must include the month.
Migration 0009 converts the tables; the periodic task create_partitions (cases/tasks.py) keeps the coming
months' partitions made ahead.
"""

from gridgov.core.partitions import Spec

TABLES = (
    Spec(
        "cases_caseevent",
        "at",
        unique=(("one_event_per_seq", ("case_id", "seq")),),
        lock=("cases_case", "case_id"),
    ),
    Spec("cases_caseread", "at"),
)
