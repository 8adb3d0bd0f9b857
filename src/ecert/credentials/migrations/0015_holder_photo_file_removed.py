"""The photo file field goes; the row holds the photo."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0014_holder_photo_copied"),
    ]

    operations = [migrations.RemoveField(model_name="holder", name="photo")]
