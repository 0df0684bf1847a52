"""PostgreSQL only: case events and case-file readings in monthly partitions of `at` (gridgov.core.partitions).

The models do not change (no state operations): `id` stays each model's primary key; in the database the key is
(id, at), one event per case and sequence number is kept by a trigger, and the foreign key of oversight's
findings to an event by a pair of triggers. SQLite is left as it was. The reverse leaves the partitions in place.
"""

from django.db import migrations

from gridgov.core.partitions import Spec, convert

# Frozen here (not imported from cases.partitioned): what this migration did must not change with later code.
TABLES = (
    Spec(
        "cases_caseevent",
        "at",
        unique=(("one_event_per_seq", ("case_id", "seq")),),
        lock=("cases_case", "case_id"),
    ),
    Spec("cases_caseread", "at"),
)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for spec in TABLES:
        convert(schema_editor.connection, spec)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_light_next_at"),
        # the one foreign key to an event (oversight.Finding.event) must exist to be carried over
        ("oversight", "0001_initial"),
    ]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
