from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReplacementConfig(AppConfig):
    name = "ecert.replacement"
    verbose_name = _("replacements and corrections")
    default_auto_field = "django.db.models.BigAutoField"
