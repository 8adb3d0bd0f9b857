"""A print file's batch is the credentials app's issuance batch (the same table)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
        ("credentials", "0010_issuance_batch_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="printfile",
                    name="batch",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="credentials.issuancebatch",
                        verbose_name="issuance batch",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
