from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "ecert.distribution"
    verbose_name = _("paper certificate distribution")
    default_auto_field = "django.db.models.BigAutoField"
