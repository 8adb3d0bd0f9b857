from django.contrib import admin

from ecert.audit.models import AuditEvent
from ecert.readonly_admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action"]
