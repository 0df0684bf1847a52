"""The default points rules (积分规则); a flushed database gets them again from
points.services.install_default_rules (the demo calls it)."""

from django.db import migrations

RULES = [  # kind, name, points, daily cap per resident (as services.DEFAULT_RULES)
    ("report_accepted", "随手拍上报被受理", 5, 20),
    ("suggestion_adopted", "意见建议被采纳", 10, None),
    ("opinion_given", "参与议事征求意见", 2, 10),
    ("volunteer_hour", "志愿服务（每小时）", 10, 80),
    ("visit_helped", "协助入户走访", 3, 15),
    ("environment", "环境整治", 5, 20),
    ("manual", "网格员奖励", 1, None),
]


def add_rules(apps, schema_editor):
    PointsRule = apps.get_model("points", "PointsRule")
    for kind, name, points, cap in RULES:
        PointsRule.objects.get_or_create(kind=kind, defaults={"name": name, "points": points, "daily_cap": cap})


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
