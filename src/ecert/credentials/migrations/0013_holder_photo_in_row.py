"""A holder's photo is kept in the row (JPEG bytes and their SHA-256)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0012_credential_correction"),
    ]

    operations = [
        migrations.AddField(
            model_name="holder",
            name="photo_jpeg",
            field=models.BinaryField(editable=False, null=True, verbose_name="photo"),
        ),
        migrations.AddField(
            model_name="holder",
            name="photo_sha256",
            field=models.CharField(blank=True, db_default="", max_length=64),
        ),
    ]
