"""Placeholder: re-chains every case file under the keyed, state-covering digest (issue 10, finding 4)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0004_reporter_digest"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
