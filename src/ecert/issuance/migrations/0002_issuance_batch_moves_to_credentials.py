"""The issuance batch now belongs to the credentials app (its table is kept)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("issuance", "0001_imports_and_batches"),
        ("credentials", "0010_issuance_batch_moves_here"),
        ("documents", "0002_print_file_batch_in_credentials"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IssuanceBatch")],
            database_operations=[],
        ),
    ]
