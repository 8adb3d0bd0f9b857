from typing import Any

from django.db import migrations

from ecert.audit import triggers


def install(apps: Any, schema_editor: Any) -> None:
    triggers.run(triggers.INSTALL, schema_editor.connection)


def remove(apps: Any, schema_editor: Any) -> None:
    triggers.run(triggers.REMOVE, schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
