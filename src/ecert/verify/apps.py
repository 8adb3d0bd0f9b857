from django.apps import AppConfig


class VerifyConfig(AppConfig):
    """The public verification pages, the employer pages and the verification API (no models)."""

    name = "ecert.verify"
    label = "verify"
