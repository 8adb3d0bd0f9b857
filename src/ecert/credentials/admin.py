from django.contrib import admin

from ecert.credentials.models import Credential, Holder
from ecert.readonly_admin import ReadOnlyAdmin


@admin.register(Holder)
class HolderAdmin(ReadOnlyAdmin):
    list_display = ["name", "id_type", "id_number_masked"]
    search_fields = ["name"]
    exclude = ["id_number_ciphertext", "id_number_hash", "photo_jpeg"]
    readonly_fields = ["id_number_masked"]


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "holder_name",
        "kind",
        "form",
        "qualification",
        "level",
        "management_number",
        "status",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["public_id", "management_number"]
    raw_id_fields = ["holder", "supersedes"]
    readonly_fields = ["public_id"]
