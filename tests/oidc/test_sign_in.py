"""Holders sign in through the province's government service (OpenID Connect), against a real
provider (panva's oidc-provider, started by the fixture): the verified ID number finds the
holder; anything else signs nobody in and says why, in Chinese (English on request); the
activation code and password stay as the other way in."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from django.test import Client

from ecert.accounts.models import User
from ecert.audit.models import AuditEvent
from ecert.config import OidcConfig
from ecert.core.identity.idnumbers import mask_id_number
from ecert.core.rules.roles import Role
from ecert.credentials.models import Holder
from tests.conftest import PASSWORD, World, cast_id_number
from tests.oidc.conftest import (
    CALLBACK,
    STRANGER_ID_NUMBER,
    RunningProvider,
    SignIn,
    local,
    provider_pages,
    provider_start,
)

LOGIN = "/my/login/"
REFUSED = "/my/login/oidc/refused/"


def _signed_in(client: Client) -> bool:
    return client.get("/my/").status_code == 200


def _refusal(client: Client, answer: Any) -> tuple[int, str, str]:
    """Follow the callback's answer to the refusal page: its status, text and reason code."""
    assert answer.status_code == 302, answer.content[:300]
    assert answer["Location"] == REFUSED
    page = client.get(REFUSED)
    body = page.content.decode()
    code = body.split('data-code="', 1)[1].split('"', 1)[0]
    return page.status_code, body, code


def _audit(action: str) -> list[dict[str, Any]]:
    return [event.data for event in AuditEvent.objects.filter(action=action).order_by("sequence")]


def test_sign_in_page_offers_the_provider_beside_the_password_form(
    client: Client, gov_sign_in: OidcConfig
) -> None:
    body = client.get(LOGIN).content.decode()
    assert "通过爱山东登录" in body
    assert 'name="id_number"' in body
    assert 'name="password"' in body
    assert "/my/activate/" in body  # the bureau's one-time code stays the way to open an account


def test_without_a_provider_only_the_password_form_is_offered(
    client: Client, settings: Any, db: Any
) -> None:
    settings.ECERT_OIDC = None
    body = client.get(LOGIN).content.decode()
    assert "sign-in-oidc" not in body
    assert 'name="password"' in body
    assert client.get("/my/login/oidc/").status_code == 404
    assert client.get("/my/login/oidc/callback/?code=x&state=y").status_code == 404


def test_the_provider_is_asked_for_a_code_with_pkce_state_and_nonce(
    client: Client, gov_sign_in: OidcConfig
) -> None:
    start = client.get("/my/login/oidc/")
    query = dict(parse_qsl(urlsplit(start["Location"]).query))
    assert start["Location"].startswith(gov_sign_in.issuer + "/auth?")
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) >= 43
    assert len(query["state"]) >= 20
    assert len(query["nonce"]) >= 20
    assert query["redirect_uri"] == CALLBACK
    assert set(query["scope"].split()) == {"openid", "profile", "id_card"}


def test_a_verified_holder_is_signed_in_and_sees_their_certificates(
    client: Client, world: World, provider_sign_in: SignIn
) -> None:
    answer = provider_sign_in(client, "lizhe")

    assert answer.status_code == 302
    assert answer["Location"] == "/my/"
    page = client.get("/my/").content.decode()
    assert "李喆" in page
    assert world.credentials["qingdao"].management_number in page
    assert world.credentials["jinan"].management_number not in page  # somebody else's
    holder = Holder.objects.select_related("user").get(pk=world.credentials["qingdao"].holder_id)
    account = holder.user
    assert account is not None
    assert account.roles() == {Role.HOLDER}
    assert not account.has_usable_password()  # nothing to guess: the provider vouches for them
    [event] = _audit("holder.identity_verified")
    assert event["provider"] == "爱山东"
    assert event["id_number"] == mask_id_number(cast_id_number(2))
    assert event["subject_digest"]
    assert "lizhe" not in json.dumps(event)


def test_signing_in_again_opens_the_same_account(world: World, provider_sign_in: SignIn) -> None:
    provider_sign_in(Client(), "lizhe")
    provider_sign_in(Client(), "lizhe")

    assert User.objects.filter(username__startswith="holder-").count() == 1
    assert len(_audit("holder.identity_verified")) == 2


def test_the_next_page_asked_for_is_shown_after_signing_in(
    client: Client, world: World, provider_sign_in: SignIn
) -> None:
    public_id = world.credentials["qingdao"].public_id
    wanted = f"/my/credentials/{public_id}/"
    assert client.get(wanted)["Location"].startswith(LOGIN)
    start = client.get("/my/login/oidc/", {"next": wanted})
    answer = client.get(local(provider_pages(start["Location"], "lizhe")))
    assert answer["Location"] == wanted
    assert client.get(wanted).status_code == 200


@pytest.mark.parametrize(
    ("login", "reason", "says"),
    [
        ("stranger", "identity_no_certificate", "名下没有本系统登记的证书"),
        ("anonymous", "identity_no_id_number", "未提供您经过核验的身份证件号码"),
        ("unverified", "identity_unverified", "尚未核验您的身份证件号码"),
        ("garbled", "identity_bad_id_number", "提供的身份证件号码无效"),
    ],
)
def test_an_answer_without_a_usable_id_number_signs_nobody_in(
    client: Client, world: World, provider_sign_in: SignIn, login: str, reason: str, says: str
) -> None:
    status, body, code = _refusal(client, provider_sign_in(client, login))

    assert (status, code) == (403, reason)
    assert says in body
    assert "爱山东" in body
    assert "/my/activate/" in body
    assert 'href="/my/login/"' in body
    assert not _signed_in(client)
    assert not User.objects.filter(username__startswith="holder-").exists()
    [event] = _audit("holder.identity_refused")
    assert event["reason"] == reason
    assert event["provider"] == "爱山东"
    assert not _audit("holder.identity_verified")


def test_an_unknown_number_is_named_masked_on_the_page_and_in_the_log(
    client: Client, world: World, provider_sign_in: SignIn
) -> None:
    _status, body, _code = _refusal(client, provider_sign_in(client, "stranger"))

    masked = mask_id_number(STRANGER_ID_NUMBER)
    assert masked in body
    assert STRANGER_ID_NUMBER not in body
    [event] = _audit("holder.identity_refused")
    assert event["id_number"] == masked
    assert STRANGER_ID_NUMBER not in json.dumps(list(AuditEvent.objects.values("data")))


def test_the_refusal_reads_in_english_on_request(
    client: Client, world: World, provider_sign_in: SignIn
) -> None:
    _refusal(client, provider_sign_in(client, "anonymous"))
    client.post("/i18n/setlang/", {"language": "en", "next": REFUSED})

    body = client.get(REFUSED).content.decode()
    assert "did not give your verified ID number" in body
    assert "Not signed in through 爱山东" in body


def _with_state(url: str, state: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | {"state": state}
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_a_tampered_state_signs_nobody_in(
    client: Client, world: World, provider_sign_in: SignIn
) -> None:
    answer = provider_sign_in(client, "lizhe", tamper=lambda url: _with_state(url, "forged" * 5))
    status, body, code = _refusal(client, answer)

    assert (status, code) == (400, "identity_state_mismatch")
    assert "不是从本站发起的" in body
    assert not _signed_in(client)
    assert [e["reason"] for e in _audit("holder.identity_refused")] == ["identity_state_mismatch"]


def test_an_answer_meant_for_another_browser_signs_nobody_in(
    world: World, gov_sign_in: OidcConfig
) -> None:
    """Login CSRF: the victim's browser is handed the callback of the attacker's sign-in."""
    attacker, victim = Client(), Client()
    start = attacker.get("/my/login/oidc/")
    back = provider_pages(start["Location"], "lizhe")

    _status, _body, code = _refusal(victim, victim.get(local(back)))
    assert code == "identity_state_mismatch"
    assert not _signed_in(victim)


def test_an_answer_is_used_once(client: Client, world: World, gov_sign_in: OidcConfig) -> None:
    start = client.get("/my/login/oidc/")
    back = local(provider_pages(start["Location"], "lizhe"))
    assert client.get(back)["Location"] == "/my/"
    client.post("/my/logout/")

    _status, _body, code = _refusal(client, client.get(back))
    assert code == "identity_state_mismatch"
    assert not _signed_in(client)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_provider_that_cannot_be_reached_gives_a_clear_page(
    client: Client, settings: Any, oidc_provider: RunningProvider, db: Any
) -> None:
    settings.ECERT_OIDC = oidc_provider.config(issuer=f"http://127.0.0.1:{_closed_port()}")

    start = client.get("/my/login/oidc/")
    status, body, code = _refusal(client, start)

    assert (status, code) == (503, "identity_provider_down")
    assert "暂时无法连接爱山东" in body
    assert "使用证件号码和密码登录" in body
    assert [e["reason"] for e in _audit("holder.identity_refused")] == ["identity_provider_down"]


def test_a_provider_that_goes_down_before_the_code_is_exchanged_gives_a_clear_page(
    client: Client, settings: Any, world: World
) -> None:
    provider = provider_start()
    try:
        settings.ECERT_OIDC = provider.config()
        start = client.get("/my/login/oidc/")
        back = provider_pages(start["Location"], "lizhe")
    finally:
        provider.stop()

    status, body, code = _refusal(client, client.get(local(back)))
    assert (status, code) == (503, "identity_provider_down")
    assert "暂时无法连接爱山东" in body
    assert not _signed_in(client)


def test_a_sign_in_cancelled_at_the_provider_signs_nobody_in(
    client: Client, world: World, gov_sign_in: OidcConfig
) -> None:
    start = client.get("/my/login/oidc/")
    state = dict(parse_qsl(urlsplit(start["Location"]).query))["state"]
    refused = f"{CALLBACK}?error=access_denied&state={state}"

    _status, body, code = _refusal(client, client.get(local(refused)))
    assert code == "identity_cancelled"
    assert "取消了登录" in body
    assert not _signed_in(client)


def test_a_discovery_document_naming_another_issuer_is_not_trusted(
    client: Client, settings: Any, oidc_provider: RunningProvider, db: Any
) -> None:
    """The metadata read from localhost says its issuer is 127.0.0.1: a mix-up, refused."""
    elsewhere = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    settings.ECERT_OIDC = oidc_provider.config(issuer=elsewhere)

    status, body, code = _refusal(client, client.get("/my/login/oidc/"))
    assert (status, code) == (403, "identity_invalid")
    assert "未通过校验" in body


def test_a_code_the_provider_will_not_exchange_signs_nobody_in(
    client: Client, settings: Any, oidc_provider: RunningProvider, world: World
) -> None:
    """A client secret the provider does not accept: its token endpoint refuses the code."""
    settings.ECERT_OIDC = oidc_provider.config(client_secret="not-the-secret")
    start = client.get("/my/login/oidc/")
    back = provider_pages(start["Location"], "lizhe")

    status, _body, code = _refusal(client, client.get(local(back)))
    assert (status, code) == (403, "identity_invalid")
    assert not _signed_in(client)
    assert not _audit("holder.identity_verified")


def test_an_id_token_signed_with_another_key_signs_nobody_in(
    client: Client, gov_sign_in: OidcConfig, world: World
) -> None:
    """The portal holds, under the provider's key id, a key the provider did not sign with (as
    after a forged key set): the ID token's signature does not verify."""
    from joserfc.jwk import RSAKey

    from ecert.portal.oidc import _client

    start = client.get("/my/login/oidc/")
    back = provider_pages(start["Location"], "lizhe")
    portal_client = _client(gov_sign_in)
    other = RSAKey.generate_key(2048, parameters={"kid": "test-run", "use": "sig", "alg": "RS256"})
    portal_client.server_metadata["jwks"] = {"keys": [other.as_dict(private=False)]}
    try:
        status, _body, code = _refusal(client, client.get(local(back)))
    finally:
        portal_client.server_metadata.pop("jwks", None)

    assert (status, code) == (403, "identity_invalid")
    assert not _signed_in(client)


def test_a_provider_that_puts_the_number_in_the_id_token_signs_the_holder_in(
    client: Client, settings: Any, world: World
) -> None:
    """No userinfo endpoint at all: the ID number can only have come from the signed ID token."""
    provider = provider_start(claims_in_id_token=True)
    try:
        settings.ECERT_OIDC = provider.config()
        start = client.get("/my/login/oidc/")
        answer = client.get(local(provider_pages(start["Location"], "lizhe")))
        assert answer["Location"] == "/my/"
        page = client.get("/my/").content.decode()
        assert world.credentials["qingdao"].management_number in page
        discovery = requests.get(provider.config().metadata_url, timeout=5).json()
        assert "userinfo_endpoint" not in discovery
    finally:
        provider.stop()


def test_a_holder_who_opened_an_account_with_a_code_gets_that_account(
    client: Client, world: World, provider_sign_in: SignIn
) -> None:
    account = world.user("holder")  # 张堃's, linked to his holder row, with a password
    provider_sign_in(client, "zhangkun")

    assert int(client.session["_auth_user_id"]) == account.pk
    assert User.objects.filter(username__startswith="holder-").count() == 0  # none made
    assert User.objects.get(pk=account.pk).check_password(PASSWORD)  # unchanged


def test_a_signed_in_holder_is_not_sent_to_the_provider_again(
    client: Client, world: World, gov_sign_in: OidcConfig
) -> None:
    client.force_login(world.users["holder"])
    assert client.get("/my/login/oidc/")["Location"] == "/my/"


def test_the_refusal_page_without_a_refusal_goes_to_sign_in(
    client: Client, gov_sign_in: OidcConfig
) -> None:
    assert client.get(REFUSED)["Location"] == LOGIN
