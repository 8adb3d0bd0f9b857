from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The public pages: the QR landing page, the online query, the PDF check and the employer
    organisations' pages (no models). The verification rules live in ecert.verification."""

    name = "ecert.public"
    label = "public"
