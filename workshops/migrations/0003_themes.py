from django.db import migrations

THEMES = ["mobility", "multi-locality", "impact", "networks", "know-how"]


def add_themes(apps, schema_editor):
    Theme = apps.get_model("workshops", "Theme")
    for code in THEMES:
        Theme.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("workshops", "0002_experiments")]

    operations = [migrations.RunPython(add_themes, migrations.RunPython.noop)]
