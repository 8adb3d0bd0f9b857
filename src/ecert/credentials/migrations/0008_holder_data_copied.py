"""Data: every stored credential gets its holder's name, sex and birth month; a proof gets the
number of the certificate it attests, which its claims carry."""

from typing import Any

from django.db import migrations


def copy_holder_data(apps: Any, schema_editor: Any) -> None:
    Credential = apps.get_model("credentials", "Credential")
    for credential in Credential.objects.select_related("holder", "attests").iterator():
        holder = credential.holder
        credential.holder_name = holder.name
        credential.holder_sex = holder.sex
        credential.holder_birth_month = holder.birth_month
        fields = ["holder_name", "holder_sex", "holder_birth_month"]
        attested = credential.attests
        if not credential.management_number and attested is not None:
            credential.management_number = attested.management_number
            fields.append("management_number")
        credential.save(update_fields=fields)


def copy_back(apps: Any, schema_editor: Any) -> None:
    Credential = apps.get_model("credentials", "Credential")
    for credential in Credential.objects.select_related("holder").iterator():
        holder = credential.holder
        holder.sex, holder.birth_month = credential.holder_sex, credential.holder_birth_month
        holder.save(update_fields=["sex", "birth_month"])


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0007_holder_data_on_credential"),
    ]

    operations = [migrations.RunPython(copy_holder_data, copy_back)]
