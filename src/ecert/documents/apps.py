from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "ecert.documents"
    verbose_name = _("sealed documents")
    default_auto_field = "django.db.models.BigAutoField"
