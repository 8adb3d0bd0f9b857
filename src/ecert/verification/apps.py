from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "ecert.verification"
    verbose_name = _("verification")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Not a business rule: a process forgets the trust list it built as soon as it changes a
        # key itself (other processes rebuild theirs within TRUST_LIST_SECONDS).
        from django.db.models.signals import post_delete, post_save

        from ecert.accounts.models import ApiToken, RoleAssignment, User
        from ecert.signing.models import RootCertificate, SignerKey
        from ecert.verification.models import Organisation

        for model in (RootCertificate, SignerKey):
            for signal in (post_save, post_delete):
                signal.connect(
                    _forget, sender=model, dispatch_uid=f"trust-{model.__name__}-{id(signal)}"
                )
        # A key revoked, an account deactivated or its roles changed, an organisation suspended or
        # its quota changed:
        # every process of the machine checks its cached API keys again (decision 208).
        for holder in (ApiToken, User, RoleAssignment, Organisation):
            for signal in (post_save, post_delete):
                signal.connect(
                    _forget_keys,
                    sender=holder,
                    dispatch_uid=f"keys-{holder.__name__}-{id(signal)}",
                )


def _forget(**_kwargs: object) -> None:
    from ecert.verification.services import trust_list_forget

    trust_list_forget()


def _forget_keys(**_kwargs: object) -> None:
    from ecert.accounts.services import api_tokens_forget

    api_tokens_forget()
