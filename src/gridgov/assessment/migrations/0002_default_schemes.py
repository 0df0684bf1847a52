from django.db import migrations


def install(apps, schema_editor):
    # The scheme rows are plain data; the service is not used here because migrations must not
    # depend on the current code's models. Same content as assessment/data/schemes.json.
    import json
    from pathlib import Path

    Scheme = apps.get_model("assessment", "ScoringScheme")
    path = Path(__file__).resolve().parent.parent / "data" / "schemes.json"
    for spec in json.loads(path.read_text(encoding="utf-8")):
        Scheme.objects.get_or_create(code=spec["code"], defaults={k: v for k, v in spec.items() if k != "code"})


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
