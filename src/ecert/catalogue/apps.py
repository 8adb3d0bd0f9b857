from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "ecert.catalogue"
    verbose_name = "catalogue"
