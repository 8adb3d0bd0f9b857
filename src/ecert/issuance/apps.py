from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuanceConfig(AppConfig):
    name = "ecert.issuance"
    verbose_name = _("issuance")
    default_auto_field = "django.db.models.BigAutoField"
