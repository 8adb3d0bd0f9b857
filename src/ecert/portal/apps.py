from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ecert.portal"
    verbose_name = "portal"
