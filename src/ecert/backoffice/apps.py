from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "ecert.backoffice"
    verbose_name = "back office"
