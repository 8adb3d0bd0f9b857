"""The holder row keeps the person's identity; sex and birth month live on each credential. A
superseded credential no longer holds its number or its place for the one that replaced it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0008_holder_data_copied"),
    ]

    operations = [
        migrations.RemoveField(model_name="holder", name="sex"),
        migrations.RemoveField(model_name="holder", name="birth_month"),
        migrations.RemoveConstraint(
            model_name="credential", name="credential_management_number_unique_per_kind"
        ),
        migrations.RemoveConstraint(
            model_name="credential", name="credential_one_per_holder_qualification_level_date"
        ),
        migrations.AddConstraint(
            model_name="credential",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    models.Q(("management_number", ""), _negated=True),
                    models.Q(("status", "superseded"), _negated=True),
                ),
                fields=("qualification", "kind", "management_number"),
                name="credential_number_unique_per_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="credential",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "superseded"), _negated=True),
                fields=("holder", "kind", "qualification", "level", "approval_date"),
                name="credential_one_current_per_holder_level_date",
            ),
        ),
    ]
