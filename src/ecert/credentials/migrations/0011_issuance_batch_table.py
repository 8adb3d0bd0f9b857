"""The issuance batch's table takes the credentials app's name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0010_issuance_batch_moves_here"),
        ("issuance", "0002_issuance_batch_moves_to_credentials"),
    ]

    operations = [migrations.AlterModelTable(name="issuancebatch", table=None)]
