"""Signing keys, their certificates and what the deployment has published.

Private keys never enter the database: a row names the key by its label in the key store (an
encrypted PEM file or a PKCS#11 token) and keeps the public half as an X.509 certificate.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ecert.authorities.models import Authority


class RootRole(models.TextChoices):
    """What a root certifies: everything (main), or only the GB/T 38540 seal keys (national), a
    second root that exists only when the main root is not SM2 (docs/keys.md)."""

    MAIN = "main", _("main root")
    NATIONAL_SEALS = "national_seals", _("SM2 root for electronic seals")


class RootCertificate(models.Model):
    """A root CA of the deployment; the active main one signs certificates and trust lists."""

    role = models.CharField(
        _("role"), max_length=16, choices=RootRole.choices, default=RootRole.MAIN
    )
    key_label = models.CharField(_("key label"), max_length=64, unique=True)
    kid = models.BinaryField(_("key id"), max_length=8)
    algorithm = models.IntegerField(_("algorithm"))
    certificate = models.BinaryField(_("certificate"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["role"], condition=models.Q(active=True), name="one_active_root_per_role"
            )
        ]

    def __str__(self) -> str:
        return self.fingerprint


class SignerKey(models.Model):
    """A document-signer key of one authority, listed in the trust list with its windows."""

    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.PROTECT, related_name="signer_keys"
    )
    kid = models.BinaryField(_("key id"), max_length=8, unique=True)
    kid_hex = models.CharField(_("key id"), max_length=16, unique=True)
    key_label = models.CharField(_("key label"), max_length=64, unique=True)
    algorithm = models.IntegerField(_("algorithm"))
    certificate = models.BinaryField(_("certificate"))
    kinds = models.JSONField(_("credential kinds"), default=list)  # CredentialKind values
    purposes = models.JSONField(_("purposes"), default=list)  # trust_list.Purpose values
    not_before = models.DateTimeField(_("signs from"))
    not_after = models.DateTimeField(_("signs until"))  # set to the rotation time when replaced
    revoked_at = models.DateTimeField(_("revoked from"), null=True, blank=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["authority", "not_before"]

    def __str__(self) -> str:
        return f"{self.authority.key} {self.kid_hex}"


class TrustListPublication(models.Model):
    """Every trust list ever published, so a verifier's copy can always be matched."""

    sequence = models.PositiveIntegerField(_("sequence"), unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    document = models.BinaryField(_("signed document"))

    class Meta:
        ordering = ["-sequence"]

    def __str__(self) -> str:
        return f"trust list {self.sequence}"


class StatusListPublication(models.Model):
    """The latest signed status list of each list number."""

    list_number = models.PositiveIntegerField(_("list number"), unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    document = models.BinaryField(_("signed document"))

    def __str__(self) -> str:
        return f"status list {self.list_number}"


class ElectronicSeal(models.Model):
    """A GB/T 38540 electronic seal (SESeal v4) made by the province's seal maker for one
    authority: its picture and the certificate of the authority's seal-signing key, signed."""

    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.PROTECT, related_name="+"
    )
    signer_key = models.ForeignKey(
        SignerKey, verbose_name=_("seal-signing key"), on_delete=models.PROTECT, related_name="+"
    )
    maker_key = models.ForeignKey(
        SignerKey, verbose_name=_("seal maker"), on_delete=models.PROTECT, related_name="+"
    )
    es_id = models.CharField(_("seal code"), max_length=32, unique=True)
    seal = models.BinaryField(_("seal (DER SESeal)"))
    valid_until = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["authority", "-created_at"]

    def __str__(self) -> str:
        return self.es_id
