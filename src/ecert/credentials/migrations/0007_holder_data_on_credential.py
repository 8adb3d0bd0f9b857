"""Each credential keeps the holder's name, sex and birth month as it certifies them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0006_title_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="credential",
            name="holder_name",
            field=models.CharField(db_default="", max_length=50, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="credential",
            name="holder_sex",
            field=models.CharField(
                blank=True,
                choices=[("male", "male"), ("female", "female")],
                db_default="",
                max_length=8,
                verbose_name="sex",
            ),
        ),
        migrations.AddField(
            model_name="credential",
            name="holder_birth_month",
            field=models.CharField(
                blank=True, db_default="", max_length=7, verbose_name="birth month"
            ),
        ),
    ]
