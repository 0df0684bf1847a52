"""Chains the existing audit log entries (issue 10, finding 4): each gets prev_hash and its HMAC under
the audit key, in id order (core.audit.chain_entries), so that an upgraded database verifies."""

from django.db import migrations


def chain_audit_log(apps, schema_editor):
    from gridgov.core.audit import chain_entries

    chain_entries(apps.get_model("core", "AuditEvent"))


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_auditevent_chain"),
    ]

    operations = [
        migrations.RunPython(chain_audit_log, migrations.RunPython.noop),
    ]
