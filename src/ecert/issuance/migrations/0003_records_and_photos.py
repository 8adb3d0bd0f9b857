"""An import is a pass list (electronic) or records of paper certificates; it may come with a zip
of photos."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("issuance", "0002_issuance_batch_moves_to_credentials"),
    ]

    operations = [
        migrations.AddField(
            model_name="passlistimport",
            name="form",
            field=models.CharField(
                choices=[("paper", "paper"), ("electronic", "electronic")],
                db_default="electronic",
                default="electronic",
                max_length=16,
                verbose_name="form",
            ),
        ),
        migrations.AddField(
            model_name="passlistimport",
            name="photos_file",
            field=models.CharField(blank=True, db_default="", max_length=255),
        ),
    ]
