"""The holder portal through Django's test client: a holder sees their own credentials only, and
downloads, prints and scopes them; everybody else's answer exactly like missing ones."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.accounts.services import activation_code_issue
from ecert.authorities.models import Authority
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
from ecert.documents.models import ScopedCopy, SealedDocument
from ecert.documents.seals import electronic_seals_ensure
from tests.conftest import PASSWORD, World
from tests.portal.signed import signed_proof

pytestmark = pytest.mark.usefixtures("issuing_keys")


@pytest.fixture
def mine(world: World) -> Credential:
    """A signed e-proof of 张堃, whose portal account is the cast's "holder"."""
    return signed_proof(world, "jinan", "2025370100001234")


@pytest.fixture
def theirs(world: World) -> Credential:
    """A signed e-proof of 李喆 of Qingdao: somebody else's."""
    return signed_proof(world, "qingdao", "2025370200005678")


@pytest.fixture
def holder(client: Client, world: World) -> Client:
    client.force_login(world.users["holder"])
    return client


def _url(name: str, *args: str) -> str:
    return reverse(f"portal:{name}", args=args)


def _without_tokens(body: bytes) -> bytes:
    """Each page carries a fresh CSRF token and echoes its own URL for the language switch."""
    return re.sub(rb'name="(csrfmiddlewaretoken|next)" (type="hidden" )?value="[^"]*"', b"", body)


def _sign_in(client: Client, id_number: str, password: str, address: str = "10.0.0.1") -> str:
    response = client.post(
        _url("login"), {"id_number": id_number, "password": password}, REMOTE_ADDR=address
    )
    return response["Location"] if response.status_code == 302 else response.content.decode()


def test_a_holder_signs_in_with_id_number_and_password(
    client: Client, world: World, mine: Credential
) -> None:
    id_number = holder_id_number(mine.holder)

    assert _sign_in(client, id_number, PASSWORD) == _url("credential_list")
    page = client.get(_url("credential_list")).content.decode()

    assert mine.management_number in page
    assert "张堃" in page


def test_the_list_shows_only_the_holders_own_credentials(
    holder: Client, world: World, mine: Credential, theirs: Credential
) -> None:
    page = holder.get(_url("credential_list")).content.decode()

    assert mine.management_number in page
    assert world.credentials["jinan"].management_number in page
    assert theirs.management_number not in page
    for place in ("qingdao", "county", "henan", "institution"):
        assert world.credentials[place].public_id not in page


@pytest.mark.parametrize(
    "name",
    [
        "credential_detail",
        "credential_download",
        "credential_print",
        "credential_ofd",
        "credential_sd_jwt",
        "scoped_copy_new",
    ],
)
def test_another_holders_credential_answers_like_a_missing_one(
    holder: Client, theirs: Credential, name: str
) -> None:
    other = holder.get(_url(name, theirs.public_id))
    missing = holder.get(_url(name, "0000000000000000"))

    assert other.status_code == missing.status_code == 404
    assert _without_tokens(other.content) == _without_tokens(missing.content)
    assert theirs.holder.name not in other.content.decode()


def test_another_holders_scoped_copy_answers_like_a_missing_one(
    holder: Client, world: World, mine: Credential, theirs: Credential
) -> None:
    copy = ScopedCopy.objects.create(
        reference="ABCDEF123456",
        credential=theirs,
        purpose="办理执业注册",
        valid_until=timezone.localdate() + timedelta(days=30),
        signed=b"x",
        created_at=timezone.now(),
    )

    on_mine = holder.get(_url("scoped_copy_download", mine.public_id, copy.reference))
    on_theirs = holder.get(_url("scoped_copy_download", theirs.public_id, copy.reference))

    assert on_mine.status_code == on_theirs.status_code == 404


def test_the_download_is_the_sealed_pdf_and_the_same_bytes_every_time(
    holder: Client, mine: Credential
) -> None:
    first = holder.get(_url("credential_download", mine.public_id))
    second = holder.get(_url("credential_download", mine.public_id))
    body = b"".join(first.streaming_content)  # type: ignore[attr-defined]

    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote(f'证书-{mine.public_id}.pdf')}"
    )
    assert "no-store" in first["Cache-Control"]
    assert body.startswith(b"%PDF")
    assert b"/ByteRange" in body
    assert b"".join(second.streaming_content) == body  # type: ignore[attr-defined]
    assert SealedDocument.objects.filter(credential=mine).count() == 1


def test_the_ofd_download_is_the_sealed_ofd_original_kept_beside_the_pdf(
    holder: Client, mine: Credential
) -> None:
    electronic_seals_ensure(
        actor=None, province=Authority.objects.get(key="sd-hrss"), now=timezone.now()
    )
    page = holder.get(_url("credential_detail", mine.public_id)).content.decode()
    first = holder.get(_url("credential_ofd", mine.public_id))
    second = holder.get(_url("credential_ofd", mine.public_id))
    body = b"".join(first.streaming_content)  # type: ignore[attr-defined]

    assert _url("credential_ofd", mine.public_id) in page
    assert "下载 OFD 版式文件" in page
    assert first["Content-Type"] == "application/ofd"
    assert first["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote(f'证书-{mine.public_id}.ofd')}"
    )
    assert body.startswith(b"PK\x03\x04")
    assert b"".join(second.streaming_content) == body  # type: ignore[attr-defined]
    assert SealedDocument.objects.filter(credential=mine, media="ofd").count() == 1


def test_without_an_electronic_seal_the_ofd_is_refused_on_the_page(
    holder: Client, mine: Credential
) -> None:
    response = holder.get(_url("credential_ofd", mine.public_id), follow=True)

    assert response.redirect_chain[-1][0] == _url("credential_detail", mine.public_id)
    assert "尚未启用可用于此类证书的电子印章" in response.content.decode()
    assert not SealedDocument.objects.filter(media="ofd").exists()


def test_print_opens_the_same_pdf_inline(holder: Client, mine: Credential) -> None:
    download = holder.get(_url("credential_download", mine.public_id))
    printed = holder.get(_url("credential_print", mine.public_id))

    assert printed["Content-Disposition"].startswith("inline;")
    assert b"".join(printed.streaming_content) == b"".join(download.streaming_content)  # type: ignore[attr-defined]


def test_the_detail_page_offers_download_print_and_scoped_copy(
    holder: Client, mine: Credential
) -> None:
    page = holder.get(_url("credential_detail", mine.public_id)).content.decode()

    assert _url("credential_download", mine.public_id) in page
    assert f'href="{_url("credential_print", mine.public_id)}" target="_blank"' in page
    assert _url("scoped_copy_new", mine.public_id) in page
    assert mine.holder.id_number_masked in page
    assert holder_id_number(mine.holder) not in page


@pytest.mark.parametrize("status", [CredentialStatus.SUPERSEDED, CredentialStatus.REVOKED])
def test_a_replaced_or_revoked_credential_says_so_and_offers_no_download(
    holder: Client, mine: Credential, status: CredentialStatus
) -> None:
    Credential.objects.filter(pk=mine.pk).update(status=status)

    page = holder.get(_url("credential_detail", mine.public_id)).content.decode()
    download = holder.get(_url("credential_download", mine.public_id))

    assert 'data-testid="status-notice"' in page
    assert _url("credential_download", mine.public_id) not in page
    assert _url("scoped_copy_new", mine.public_id) not in page
    assert download.status_code == 302
    assert not SealedDocument.objects.filter(credential=mine).exists()


def test_an_unsigned_credential_is_listed_but_not_yet_downloadable(
    holder: Client, world: World
) -> None:
    unsigned = world.credentials["jinan"]  # as a row from before every credential was signed
    Credential.objects.filter(pk=unsigned.pk).update(signed=None)

    page = holder.get(_url("credential_detail", unsigned.public_id)).content.decode()

    assert 'data-testid="status-notice"' in page
    assert _url("credential_download", unsigned.public_id) not in page


def _scoped(client: Client, credential: Credential, purpose: str, days: int) -> Any:
    valid_until = timezone.localdate() + timedelta(days=days)
    return client.post(
        _url("scoped_copy_new", credential.public_id),
        {"purpose": purpose, "valid_until": valid_until.isoformat()},
    )


@pytest.mark.parametrize(
    ("purpose", "days", "field"),
    [
        ("", 30, "purpose"),
        ("办" * 21, 30, "purpose"),
        ("办理执业注册", 0, "valid_until"),
        ("办理执业注册", -3, "valid_until"),
        ("办理执业注册", 367, "valid_until"),
    ],
)
def test_a_bad_scoped_copy_request_shows_the_error_and_makes_nothing(
    holder: Client, mine: Credential, purpose: str, days: int, field: str
) -> None:
    response = _scoped(holder, mine, purpose, days)

    assert response.status_code == 200
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert not ScopedCopy.objects.exists()


def test_a_scoped_copy_is_made_listed_and_downloaded(holder: Client, mine: Credential) -> None:
    response = _scoped(holder, mine, "办理执业注册", 30)
    copy = ScopedCopy.objects.get()
    detail = holder.get(response["Location"]).content.decode()
    download = holder.get(_url("scoped_copy_download", mine.public_id, copy.reference))
    body = b"".join(download.streaming_content)  # type: ignore[attr-defined]

    assert (
        response["Location"] == f"{_url('credential_detail', mine.public_id)}?new={copy.reference}"
    )
    assert (copy.purpose, copy.valid_until) == (
        "办理执业注册",
        timezone.localdate() + timedelta(days=30),
    )
    assert "办理执业注册" in detail
    assert f'data-testid="copy-{copy.reference}"' in detail
    assert 'http-equiv="refresh"' in detail  # the download starts by itself
    assert body.startswith(b"%PDF")
    assert b"/ByteRange" in body
    assert (
        quote(f"证书-{mine.public_id}-加注-{copy.reference}.pdf") in download["Content-Disposition"]
    )


def test_an_expired_scoped_copy_is_listed_as_expired_without_a_download(
    holder: Client, mine: Credential
) -> None:
    _scoped(holder, mine, "办理执业注册", 1)
    copy = ScopedCopy.objects.get()
    ScopedCopy.objects.filter(pk=copy.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )

    page = holder.get(_url("credential_detail", mine.public_id)).content.decode()

    assert 'class="badge expired"' in page
    assert _url("scoped_copy_download", mine.public_id, copy.reference) not in page


@pytest.mark.parametrize("name", ["credential_list", "credential_detail"])
def test_anonymous_visitors_are_sent_to_the_portal_sign_in(
    client: Client, mine: Credential, name: str
) -> None:
    url = _url(name) if name == "credential_list" else _url(name, mine.public_id)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{_url('login')}?next={quote(url)}"


def test_staff_are_refused_the_portal(client: Client, world: World, mine: Credential) -> None:
    client.force_login(world.users["province_admin"])

    assert client.get(_url("credential_list")).status_code == 403
    assert client.get(_url("credential_detail", mine.public_id)).status_code == 403


def test_a_wrong_password_and_an_unknown_id_number_answer_alike(
    client: Client, mine: Credential
) -> None:
    id_number = holder_id_number(mine.holder)

    wrong = client.post(_url("login"), {"id_number": id_number, "password": "not-the-password"})
    unknown = client.post(
        _url("login"), {"id_number": id_number[:14] + "0000", "password": "not-the-password"}
    )

    assert wrong.status_code == unknown.status_code == 200
    normalise = re.compile(rb'(value="[^"]*")')
    assert normalise.sub(b"", _without_tokens(wrong.content)) == normalise.sub(
        b"", _without_tokens(unknown.content)
    )


def test_ten_failed_sign_ins_block_the_id_number_for_a_while(
    client: Client, mine: Credential
) -> None:
    id_number = holder_id_number(mine.holder)
    for attempt in range(10):
        _sign_in(client, id_number, "not-the-password", address=f"10.0.1.{attempt}")

    blocked = _sign_in(client, id_number, PASSWORD, address="10.0.2.1")

    assert "15" in blocked
    assert 'data-testid="form-errors"' in blocked
    assert "_auth_user_id" not in client.session


def test_ten_failed_sign_ins_from_one_address_block_that_address(
    client: Client, world: World, mine: Credential
) -> None:
    for attempt in range(10):
        _sign_in(client, f"37010219880517{attempt:03d}X", "not-the-password", address="10.0.3.1")

    blocked = _sign_in(client, holder_id_number(mine.holder), PASSWORD, address="10.0.3.1")
    elsewhere = _sign_in(client, holder_id_number(mine.holder), PASSWORD, address="10.0.3.2")

    assert 'data-testid="form-errors"' in blocked
    assert elsewhere == _url("credential_list")


def test_the_block_lifts_after_fifteen_minutes(
    client: Client, mine: Credential, monkeypatch: pytest.MonkeyPatch
) -> None:
    id_number = holder_id_number(mine.holder)
    for _ in range(10):
        _sign_in(client, id_number, "not-the-password")
    later = timezone.now() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr("ecert.portal.views.timezone.now", lambda: later)

    assert _sign_in(client, id_number, PASSWORD) == _url("credential_list")


def test_the_activation_page_opens_the_account_and_signs_in(
    client: Client, world: World, theirs: Credential
) -> None:
    code = activation_code_issue(actor=None, holder=theirs.holder, now=timezone.now())
    password = "李喆的新密码-2026"

    response = client.post(
        _url("activate"),
        {
            "id_number": holder_id_number(theirs.holder),
            "code": code.lower(),
            "password1": password,
            "password2": password,
        },
    )
    page = client.get(_url("credential_list")).content.decode()

    assert response["Location"] == _url("credential_list")
    assert theirs.management_number in page
    assert world.credentials["jinan"].management_number not in page


def test_the_activation_page_answers_a_wrong_code_and_an_unknown_id_number_alike(
    client: Client, theirs: Credential
) -> None:
    code = activation_code_issue(actor=None, holder=theirs.holder, now=timezone.now())
    id_number = holder_id_number(theirs.holder)
    fields = {"password1": "李喆的新密码-2026", "password2": "李喆的新密码-2026"}

    wrong = client.post(_url("activate"), {"id_number": id_number, "code": "AAAAA-AAAAA", **fields})
    unknown = client.post(
        _url("activate"), {"id_number": id_number[:14] + "0000", "code": code, **fields}
    )

    normalise = re.compile(rb'(value="[^"]*")')
    assert "身份证件号码或激活码不正确" in wrong.content.decode()
    assert normalise.sub(b"", _without_tokens(wrong.content)) == normalise.sub(
        b"", _without_tokens(unknown.content)
    )


def test_the_activation_page_shows_a_mismatch_and_a_weak_password(
    client: Client, theirs: Credential
) -> None:
    code = activation_code_issue(actor=None, holder=theirs.holder, now=timezone.now())
    id_number = holder_id_number(theirs.holder)

    mismatch = client.post(
        _url("activate"),
        {"id_number": id_number, "code": code, "password1": "李喆的新密码-2026", "password2": "x"},
    ).content.decode()
    weak = client.post(
        _url("activate"),
        {
            "id_number": id_number,
            "code": code,
            "password1": "12345678901",
            "password2": "12345678901",
        },
    ).content.decode()

    assert 'data-testid="error-password2"' in mismatch
    assert 'data-testid="error-password1"' in weak
    assert theirs.holder.user is None


def test_sign_out_needs_post(holder: Client) -> None:
    assert holder.get(_url("logout")).status_code == 405
    assert holder.post(_url("logout"))["Location"] == _url("login")
    assert holder.get(_url("credential_list")).status_code == 302


def test_the_pages_are_made_for_phones_and_load_nothing_from_elsewhere(
    holder: Client, mine: Credential
) -> None:
    page = holder.get(_url("credential_detail", mine.public_id)).content.decode()
    css = Path(str(finders.find("ecert/portal.css"))).read_text(encoding="utf-8")

    assert '<meta name="viewport" content="width=device-width, initial-scale=1' in page
    assert not re.search(r'(href|src)="(https?:)?//', page)
    assert '"Noto Sans CJK SC"' in css
    assert "--tap: 48px" in css
