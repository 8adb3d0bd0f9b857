from django.contrib import admin

from ecert.readonly_admin import ReadOnlyAdmin

from ecert.authorities.models import Authority


@admin.register(Authority)
class AuthorityAdmin(ReadOnlyAdmin):
    list_display = ["name", "key", "kind", "level", "division_code", "region_department_code"]
    list_filter = ["kind", "level"]
    search_fields = ["name", "key"]
