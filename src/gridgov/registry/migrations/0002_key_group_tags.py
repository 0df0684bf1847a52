"""The key groups (重点人群) communities tag residents with, and their care-visit cadence in days."""

from django.db import migrations

TAGS = [
    ("living_alone", "独居老人", 7),
    ("very_old", "高龄", 30),
    ("disabled", "残疾人", 30),
    ("hardship", "困难群体", 30),
    ("left_behind_child", "留守儿童", 30),
    ("released_or_corrected", "刑满释放/社区矫正", 30),
    ("youth_at_risk", "重点青少年", 30),
    ("veteran", "退役军人", None),
]


def add_tags(apps, schema_editor):
    Tag = apps.get_model("registry", "Tag")
    for code, name, days in TAGS:
        Tag.objects.get_or_create(code=code, defaults={"name": name, "visit_every_days": days})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_registry_records")]
    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
