from django.apps import AppConfig


class AuthoritiesConfig(AppConfig):
    name = "ecert.authorities"
    verbose_name = "authorities"
