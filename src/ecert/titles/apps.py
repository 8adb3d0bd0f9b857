from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TitlesConfig(AppConfig):
    name = "ecert.titles"
    verbose_name = _("professional titles")
    default_auto_field = "django.db.models.BigAutoField"
