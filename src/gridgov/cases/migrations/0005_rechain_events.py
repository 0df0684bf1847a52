"""Re-chains every case file under the keyed, state-covering digest (issue 10, finding 4).

CaseEvent gains state_hash; then cases.chains.rechain signs each file again with HMAC under the audit
key, in batches. A file whose old (plain SHA-256) chain was already broken is left as it was, so that
`gridgov audit verify` still reports it instead of the upgrade blessing a tampered file.
"""

from django.db import migrations, models


def rechain_case_files(apps, schema_editor):
    from gridgov.cases.chains import rechain

    rechain(Case=apps.get_model("cases", "Case"), CaseEvent=apps.get_model("cases", "CaseEvent"), legacy=True)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0004_reporter_digest"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="state_hash",
            field=models.CharField(blank=True, max_length=64, verbose_name="case state hash"),
        ),
        # not reversible: the old unkeyed chain cannot be rebuilt without recomputing it, and nothing needs it
        migrations.RunPython(rechain_case_files, migrations.RunPython.noop),
    ]
