"""Exam codes stored before their source was recorded came from the catalogue files: nothing
else could set them."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def from_files(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for name in ("Qualification", "QualificationLevel"):
        model = apps.get_model("catalogue", name)
        model.objects.exclude(exam_code="").update(exam_code_source="catalogue")


def forget(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for name in ("Qualification", "QualificationLevel"):
        apps.get_model("catalogue", name).objects.update(exam_code_source="")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0004_exam_code_source")]

    operations = [migrations.RunPython(from_files, forget)]
