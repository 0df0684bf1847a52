"""Personal data at rest (issue 10): reporters' names and phones and the idempotency table's tracking codes
encrypted (core.crypto), keyed search digests of phone tails, tracking hashes keyed, and the case-file
read log (CaseRead).

The columns first become plain text, existing rows are converted, and only then does the model say
they are encrypted (so the conversion reads plaintext and writes ciphertext itself). The tracking
hash conversion cannot be undone without the codes, so this migration does not go backwards.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import gridgov.core.crypto

BATCH = 2000


def encrypt_personal_data(apps, schema_editor):
    """Reporter name and phone, and idempotency tracking codes, from plaintext to ciphertext; phone
    search keys filled from the plaintext phone."""
    from gridgov.cases.phones import search_keys
    from gridgov.core.crypto import encrypt

    Case = apps.get_model("cases", "Case")
    rows = Case.objects.exclude(reporter_name="", reporter_phone="").only("pk", "reporter_name", "reporter_phone")
    batch = []
    for case in rows.order_by("pk").iterator(chunk_size=BATCH):
        case.reporter_phone_keys = search_keys(case.reporter_phone)
        case.reporter_name, case.reporter_phone = encrypt(case.reporter_name), encrypt(case.reporter_phone)
        batch.append(case)
        if len(batch) >= BATCH:
            Case.objects.bulk_update(batch, ["reporter_name", "reporter_phone", "reporter_phone_keys"])
            batch = []
    Case.objects.bulk_update(batch, ["reporter_name", "reporter_phone", "reporter_phone_keys"])

    IdempotencyKey = apps.get_model("cases", "IdempotencyKey")
    for row in IdempotencyKey.objects.exclude(tracking_code="").only("pk", "tracking_code"):
        IdempotencyKey.objects.filter(pk=row.pk).update(tracking_code=encrypt(row.tracking_code))


def rekey_tracking_hashes(apps, schema_editor):
    """tracking_hash = HMAC(data key, the old SHA-256 hex) — cases.services.tracking_hash — so every
    code handed out before keeps opening its case."""
    from gridgov.core.keys import keyed_digest

    Case = apps.get_model("cases", "Case")
    batch = []
    for case in Case.objects.only("pk", "tracking_hash").order_by("pk").iterator(chunk_size=BATCH):
        case.tracking_hash = keyed_digest("tracking", case.tracking_hash)
        batch.append(case)
        if len(batch) >= BATCH:
            Case.objects.bulk_update(batch, ["tracking_hash"])
            batch = []
    Case.objects.bulk_update(batch, ["tracking_hash"])


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0005_rechain_events"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="reporter_phone_keys",
            field=models.TextField(blank=True, default="", verbose_name="reporter phone search keys"),
        ),
        migrations.AlterField(
            model_name="case",
            name="reporter_name",
            field=models.TextField(blank=True, verbose_name="reporter name"),
        ),
        migrations.AlterField(
            model_name="case",
            name="reporter_phone",
            field=models.TextField(blank=True, verbose_name="reporter phone"),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="tracking_code",
            field=models.TextField(blank=True, verbose_name="tracking code"),
        ),
        migrations.CreateModel(
            name="CaseRead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("actor_label", models.CharField(blank=True, max_length=150, verbose_name="actor name")),
                ("via", models.CharField(max_length=16, verbose_name="through")),
                ("at", models.DateTimeField(verbose_name="time")),
                ("case", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                           to="cases.case", verbose_name="case")),
                ("user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                           to=settings.AUTH_USER_MODEL, verbose_name="user")),
            ],
            options={
                "verbose_name": "case file reading",
                "verbose_name_plural": "case file readings",
                "indexes": [models.Index(fields=["case", "at"], name="cases_caser_case_id_6fcb05_idx"),
                            models.Index(fields=["user", "at"], name="cases_caser_user_id_7ae123_idx")],
            },
        ),
        migrations.RunPython(encrypt_personal_data, elidable=False),
        migrations.RunPython(rekey_tracking_hashes, elidable=False),
        migrations.AlterField(
            model_name="case",
            name="reporter_name",
            field=gridgov.core.crypto.EncryptedTextField(blank=True, verbose_name="reporter name"),
        ),
        migrations.AlterField(
            model_name="case",
            name="reporter_phone",
            field=gridgov.core.crypto.EncryptedTextField(blank=True, verbose_name="reporter phone"),
        ),
        migrations.AlterField(
            model_name="idempotencykey",
            name="tracking_code",
            field=gridgov.core.crypto.EncryptedTextField(blank=True, verbose_name="tracking code"),
        ),
    ]
