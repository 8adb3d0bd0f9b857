from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "ecert.signing"
    verbose_name = _("signing keys")
    default_auto_field = "django.db.models.BigAutoField"
