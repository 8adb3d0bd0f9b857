from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "ecert.credentials"
    verbose_name = "credentials"
