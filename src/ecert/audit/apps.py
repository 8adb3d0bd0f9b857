from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ecert.audit"
    verbose_name = "audit"
