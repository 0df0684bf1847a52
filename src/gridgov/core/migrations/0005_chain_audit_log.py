"""Placeholder: chains the existing audit log entries (issue 10, finding 4)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_auditevent_chain"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
