from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ecert.accounts"
    verbose_name = "accounts"
