"""``ecert keys``: the root, document-signer keys, rotation, revocation, publishing trust."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ecert.core.errors import EcertError

keys_app = typer.Typer(no_args_is_help=True, help="签名密钥 / signing keys")
console = Console()

ALGORITHMS = {"es256": -7, "eddsa": -8, "sm2": -65537}


def _setup() -> None:
    from ecert.cli.base import django_setup

    django_setup()


def _algorithm(name: str) -> int:
    if name.lower() not in ALGORITHMS:
        console.print(f"[red]算法只能是 / algorithm must be one of {', '.join(ALGORITHMS)}[/red]")
        raise typer.Exit(2)
    return ALGORITHMS[name.lower()]


@keys_app.command("init")
def keys_init(
    algorithm: Annotated[str, typer.Option(help="es256 (default), eddsa or sm2")] = "es256",
    operator: Annotated[
        str, typer.Option(help="authority whose key signs status lists")
    ] = "sd-hrss",
) -> None:
    """创建根证书和各签发机构的签名密钥（已有的跳过）/ Create the root and every issuer's key."""
    _setup()
    from ecert.core.formats.algorithms import Algorithm
    from ecert.core.formats.trust_list import Purpose
    from ecert.signing.models import RootCertificate, RootRole, SignerKey
    from ecert.signing.selectors import authority_by_key, signing_plan
    from ecert.signing.services import (
        SEAL_PURPOSES,
        root_create,
        signer_key_create,
        trust_list_publish,
    )

    chosen = Algorithm(_algorithm(algorithm))
    now = datetime.now(UTC)
    if not RootCertificate.objects.filter(active=True, role=RootRole.MAIN).exists():
        root = root_create(actor=None, algorithm=chosen, now=now)
        console.print(f"根证书 / root: SHA-256 {root.fingerprint}")
    plan = signing_plan()
    operator_authority = authority_by_key(operator)
    if operator_authority is None:
        console.print(f"[red]没有机构 / no authority {operator}[/red]")
        raise typer.Exit(2)
    plan.setdefault(operator_authority, set())
    created = 0
    for authority, kinds in sorted(plan.items(), key=lambda item: item[0].key):
        keys = SignerKey.objects.filter(authority=authority, revoked_at__isnull=True)
        if any(not SEAL_PURPOSES.issuperset(key.purposes) for key in keys):
            continue  # it has a credential key (a seal key alone does not count)
        purposes = [Purpose.CREDENTIALS, Purpose.BATCH_ROOTS]
        if authority == operator_authority:
            purposes.append(Purpose.STATUS_LISTS)
        key = signer_key_create(
            actor=None,
            authority=authority,
            algorithm=chosen,
            kinds=kinds,
            purposes=purposes,
            now=now,
        )
        created += 1
        console.print(f"  {authority.key}: {key.kid_hex} ({', '.join(sorted(key.kinds))})")
    publication = trust_list_publish(actor=None, now=now)
    console.print(
        f"新建密钥 / keys created: {created}; 信任列表 / trust list #{publication.sequence}"
    )


@keys_app.command("seals")
def keys_seals(
    province: Annotated[str, typer.Option(help="authority whose key makes the seals")] = "sd-hrss",
) -> None:
    """制作 GB/T 38540 电子印章（SM2）：根证书、制章密钥和各签发机构的签章密钥与印章（已有的跳过）
    / Make the GB/T 38540 SM2 seals: seal root, seal maker, each issuer's seal key and seal."""
    _setup()
    from ecert.documents.seals import electronic_seals_ensure
    from ecert.signing.selectors import authority_by_key

    maker_authority = authority_by_key(province)
    if maker_authority is None:
        console.print(f"[red]没有机构 / no authority {province}[/red]")
        raise typer.Exit(2)
    try:
        seals = electronic_seals_ensure(actor=None, province=maker_authority, now=datetime.now(UTC))
    except EcertError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    for seal in seals:
        console.print(f"  {seal.authority.key}: {seal.es_id} ({seal.signer_key.kid_hex})")
    made = len(seals)
    console.print(f"新建电子印章 / seals made: {made}")


@keys_app.command("list")
def keys_list() -> None:
    """列出签名密钥 / List signing keys."""
    _setup()
    from ecert.signing.models import SignerKey

    for key in SignerKey.objects.select_related("authority").order_by("authority__key", "pk"):
        state = f"revoked from {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        console.print(
            f"{key.kid_hex}  {key.authority.key:28} alg {key.algorithm:>6}  "
            f"{key.not_before:%Y-%m-%d} … {key.not_after:%Y-%m-%d}  {state}"
        )


@keys_app.command("rotate")
def keys_rotate(
    authority: Annotated[str, typer.Argument(help="authority key, e.g. sd-hrss")],
    algorithm: Annotated[str | None, typer.Option(help="algorithm of the new key")] = None,
) -> None:
    """轮换机构的签名密钥：旧密钥停止签名，已签证书仍然有效 / Rotate an authority's key."""
    _setup()
    from ecert.core.formats.algorithms import Algorithm
    from ecert.signing.selectors import authority_by_key
    from ecert.signing.services import (
        KEY_ROTATE_REFUSALS,
        signer_key_rotate,
        trust_list_publish,
    )

    found = authority_by_key(authority)
    if found is None:
        console.print(f"[red]没有机构 / no authority {authority}[/red]")
        raise typer.Exit(2)
    now = datetime.now(UTC)
    chosen = Algorithm(_algorithm(algorithm)) if algorithm else None
    try:
        key = signer_key_rotate(actor=None, authority=found, now=now, algorithm=chosen)
    except EcertError as error:
        if error.code not in KEY_ROTATE_REFUSALS:
            raise  # a key store or a certificate that fails: a traceback, as before
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    publication = trust_list_publish(actor=None, now=now)
    console.print(f"新密钥 / new key {key.kid_hex}; 信任列表 / trust list #{publication.sequence}")


@keys_app.command("revoke")
def keys_revoke(
    kid: Annotated[str, typer.Argument(help="key id (hex), see ecert keys list")],
    reason: Annotated[str, typer.Option(help="why (recorded in the audit log)")],
    at: Annotated[
        datetime | None,
        typer.Option(help="void signatures from this time on (default: now), UTC if no zone"),
    ] = None,
) -> None:
    """吊销密钥：该时间之后的签名无效 / Revoke a key from a moment on."""
    _setup()
    from ecert.signing.services import signer_key_revoke, trust_list_publish

    now = datetime.now(UTC)
    moment = at or now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        key = signer_key_revoke(actor=None, kid_hex=kid, revoked_at=moment, reason=reason, now=now)
    except EcertError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    publication = trust_list_publish(actor=None, now=now)
    console.print(
        f"已吊销 / revoked {key.kid_hex} from {moment.isoformat()}; "
        f"信任列表 / trust list #{publication.sequence}"
    )


@keys_app.command("export-trust-list")
def keys_export(
    directory: Annotated[Path, typer.Argument(help="folder to write the files into")],
) -> None:
    """导出根证书、信任列表和状态列表，供离线核验 / Write root, trust list and status lists."""
    _setup()
    from ecert.core.formats.trust_list import Purpose
    from ecert.credentials.status_lists import status_lists_publish
    from ecert.signing.models import TrustListPublication
    from ecert.signing.services import (
        current_key,
        root_active,
        seal_root,
    )

    try:
        root = root_active()
    except EcertError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    latest = TrustListPublication.objects.order_by("-sequence").first()
    if latest is None:
        console.print(
            "[red]尚未发布信任列表，请运行 ecert keys init / no trust list yet: run ecert keys init[/red]"
        )
        raise typer.Exit(1)
    now = datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "root.der").write_bytes(bytes(root.certificate))
    try:  # the SM2 root of the OFD seals, when it is not the main root (docs/keys.md)
        national = seal_root()
    except EcertError:
        national = root
    if national != root:
        (directory / "seal-root.der").write_bytes(bytes(national.certificate))
        console.print(f"电子印章根证书指纹 / seal root SHA-256: {national.fingerprint}")
    (directory / "trust-list.cose").write_bytes(bytes(latest.document))
    written = 0
    status_key = current_key(None, Purpose.STATUS_LISTS, now)
    if status_key is None:
        console.print(
            "[yellow]没有可签发状态列表的密钥，未导出状态列表 / "
            "no key may sign status lists: none written[/yellow]"
        )
    else:
        for publication in status_lists_publish(
            actor=None, authority=status_key.authority, now=now
        ):
            path = directory / f"status-{publication.list_number}.cose"
            path.write_bytes(bytes(publication.document))
            written += 1
    console.print(
        f"根证书指纹 / root SHA-256: {root.fingerprint}\n"
        f"信任列表 / trust list #{latest.sequence}; 状态列表 / status lists: {written} → {directory}"
    )


@keys_app.command("credential-qr")
def credential_qr(
    public_id: Annotated[str, typer.Argument(help="the credential's public id")],
    out: Annotated[Path, typer.Option(help="PNG file to write")],
) -> None:
    """写出一份证书的二维码图片 / Write a stored credential's QR code as PNG."""
    _setup()
    from django.conf import settings

    from ecert.core.formats.qr import make_qr, qr_text
    from ecert.credentials.models import Credential

    credential = Credential.objects.filter(public_id=public_id).first()
    if credential is None or credential.signed is None:
        console.print(f"[red]没有证书 / no credential {public_id}[/red]")
        raise typer.Exit(1)
    text = qr_text(
        settings.ECERT_VERIFY_HOST, bytes(credential.signed), scheme=settings.ECERT_VERIFY_SCHEME
    )
    make_qr(text).save(str(out), scale=4, border=4)
    console.print(f"{out}: {len(text)} 字符 / characters")
