"""The shared cache's table (issue 11, item 6): with no Redis, every process of one site shares the database
cache (settings.CACHES), so per-process answers such as the rankings agree. `createcachetable` is a no-op
when the table exists or when the configured cache is not a database cache."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_chain_audit_log"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True),
    ]
