"""ECERT_OIDC_*: the government sign-in is on with an issuer, a client id and a secret together,
off with none of them, and refused at start when half set or unsafe."""

from __future__ import annotations

import pytest

from ecert.config import OidcConfig, read_config
from ecert.core.errors import EcertError

SAFE_PRODUCTION = {
    "ECERT_MODE": "production",
    "ECERT_SECRET_KEY": "k" * 60,
    "ECERT_PII_KEY": "cHJvZHVjdGlvbi1waWkta2V5LTMyLWJ5dGVzLWxvbmc=",
    "ECERT_KEY_PASSWORD": "production-key-password",
}
ISSUER = {
    "ECERT_OIDC_ISSUER": "https://ids.shandong.gov.cn/oidc",
    "ECERT_OIDC_CLIENT_ID": "ecert",
    "ECERT_OIDC_CLIENT_SECRET": "a-client-secret",
}


def test_without_an_issuer_the_government_sign_in_is_off() -> None:
    assert read_config({}).oidc is None


def test_issuer_client_and_secret_turn_it_on_with_defaults() -> None:
    config = read_config(ISSUER | SAFE_PRODUCTION).oidc
    assert config == OidcConfig(
        issuer="https://ids.shandong.gov.cn/oidc",
        client_id="ecert",
        client_secret="a-client-secret",
        provider_name="政务服务平台",
        id_number_claim="id_number",
        verified_claim="",
        scope="openid profile",
        timeout=10.0,
    )
    assert config.metadata_url == (
        "https://ids.shandong.gov.cn/oidc/.well-known/openid-configuration"
    )


def test_the_claims_scope_and_name_come_from_the_environment() -> None:
    config = read_config(
        ISSUER
        | {
            "ECERT_OIDC_PROVIDER_NAME": "爱山东",
            "ECERT_OIDC_ID_NUMBER_CLAIM": "idcard",
            "ECERT_OIDC_VERIFIED_CLAIM": "real_name_verified",
            "ECERT_OIDC_SCOPE": "openid idcard",
            "ECERT_OIDC_TIMEOUT": "5",
        }
    ).oidc
    assert config is not None
    assert (config.provider_name, config.id_number_claim, config.verified_claim) == (
        "爱山东",
        "idcard",
        "real_name_verified",
    )
    assert (config.scope, config.timeout) == ("openid idcard", 5.0)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"ECERT_OIDC_CLIENT_SECRET": ""}, "bad_oidc"),
        ({"ECERT_OIDC_ISSUER": ""}, "bad_oidc"),
        ({"ECERT_OIDC_ISSUER": "ftp://ids.example"}, "bad_oidc"),
        ({"ECERT_OIDC_SCOPE": "profile idcard"}, "oidc_scope_without_openid"),
        ({"ECERT_OIDC_TIMEOUT": "0"}, "bad_oidc_timeout"),
        ({"ECERT_OIDC_TIMEOUT": "soon"}, "bad_oidc_timeout"),
    ],
)
def test_a_half_or_wrong_configuration_is_refused_at_start(
    changes: dict[str, str], code: str
) -> None:
    with pytest.raises(EcertError) as refused:
        read_config(ISSUER | changes)
    assert refused.value.code == code
    assert "ECERT_OIDC" in refused.value.zh


def test_production_needs_an_https_issuer() -> None:
    with pytest.raises(EcertError) as refused:
        read_config(ISSUER | SAFE_PRODUCTION | {"ECERT_OIDC_ISSUER": "http://ids.example"})
    assert refused.value.code == "oidc_not_https"
