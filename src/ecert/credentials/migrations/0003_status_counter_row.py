from django.db import migrations


def create_counter(apps, schema_editor):
    apps.get_model("credentials", "StatusIndexCounter").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    """The single counter row exists before anyone allocates, so allocation only locks it."""

    dependencies = [("credentials", "0002_status_index")]

    operations = [migrations.RunPython(create_counter, migrations.RunPython.noop)]
