from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_user_name_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="stagedupload",
            name="form_key",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
    ]
