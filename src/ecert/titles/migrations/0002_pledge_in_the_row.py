"""The signed pledge of a reissue application moves from a file into its row, so it commits or
rolls back with the application. Pledges already on disk are read into their rows."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


def _read_files_into_rows(apps: Any, schema_editor: Any) -> None:
    reissue = apps.get_model("titles", "TitleReissue")
    for row in reissue.objects.exclude(pledge_file=""):
        with row.pledge_file.open("rb") as file:
            row.pledge = file.read()
        row.pledge_type = _TYPES.get(row.pledge_file.name.rsplit(".", 1)[-1], "application/pdf")
        row.save(update_fields=["pledge", "pledge_type"])


class Migration(migrations.Migration):
    dependencies = [("titles", "0001_initial")]

    operations = [
        migrations.RenameField("titlereissue", "pledge", "pledge_file"),
        migrations.AddField(
            model_name="titlereissue",
            name="pledge",
            field=models.BinaryField(default=b"", verbose_name="signed pledge"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="titlereissue",
            name="pledge_type",
            field=models.CharField(default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.RunPython(_read_files_into_rows, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField("titlereissue", "pledge_file"),
    ]
