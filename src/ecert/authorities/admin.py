from django.contrib import admin

from ecert.authorities.models import Authority
from ecert.readonly_admin import ReadOnlyAdmin


@admin.register(Authority)
class AuthorityAdmin(ReadOnlyAdmin):
    list_display = ["name", "key", "kind", "level", "division_code", "region_department_code"]
    list_filter = ["kind", "level"]
    search_fields = ["name", "key"]
