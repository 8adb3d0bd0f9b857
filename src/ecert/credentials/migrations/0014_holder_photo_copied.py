"""Data: a photo stored as a file under MEDIA_ROOT moves into its holder's row."""

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import migrations


def photos_into_rows(apps: Any, schema_editor: Any) -> None:
    Holder = apps.get_model("credentials", "Holder")
    for holder in Holder.objects.exclude(photo="").iterator():
        path = Path(settings.MEDIA_ROOT) / str(holder.photo)
        if path.is_file():
            data = path.read_bytes()
            holder.photo_jpeg = data
            holder.photo_sha256 = hashlib.sha256(data).hexdigest()
            holder.save(update_fields=["photo_jpeg", "photo_sha256"])


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0013_holder_photo_in_row"),
    ]

    # Going back leaves the rows as they are: the files were never removed.
    operations = [migrations.RunPython(photos_into_rows, migrations.RunPython.noop)]
