"""A small OFD written by hand and the SM2 keys that seal it, made once per test process.

The OFD (GB/T 33190) has one page with one line of text and, optionally, an image (a QR code):
OFD.xml, Doc_0/Document.xml, Doc_0/PublicRes.xml, Doc_0/DocumentRes.xml and the page's
Content.xml. The keys are an SM2 root, the province's seal maker (制章) and an authority's
seal signer under it, the seal made by the maker and listing the signer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from ecert.core.documents.ofd import package_zip
from ecert.core.documents.ofd_seal import OFD_NS, OfdSealKey, StampPlace, ofd_seal
from ecert.core.documents.seals import round_seal_png
from ecert.core.formats.algorithms import Algorithm
from ecert.core.formats.ses import SealPicture, seal_make
from tests.core.signing_world import CERT_END, CERT_START, Key, make_root, make_signer

SEALED_AT = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
STAMP = StampPlace(0, (120.0, 200.0, 40.0, 40.0))
SEAL_NAME = "山东省人力资源和社会保障厅"


@dataclass(frozen=True)
class SealWorld:
    root: Key  # SM2 root
    maker: Key  # the province's seal maker
    signer: Key  # the authority's seal-signing key
    stranger: Key  # an SM2 key under the same root that the seal does not list
    seal: bytes  # DER SESeal
    picture: bytes


def ofd_package(text: str = "电子证书 𠮷", image: bytes | None = None) -> dict[str, bytes]:
    """A one-page OFD as path -> bytes; ``image`` (PNG) is drawn at the top left if given."""
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    files = {
        "OFD.xml": (
            f'{head}<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.1" DocType="OFD"><ofd:DocBody>'
            "<ofd:DocInfo><ofd:DocID>4a9d1e0c6f3b4b5e8d2a7c1f0e9b8a76</ofd:DocID>"
            "<ofd:Title>电子证书</ofd:Title><ofd:CreationDate>2026-12-07</ofd:CreationDate>"
            "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        ),
        "Doc_0/Document.xml": (
            f'{head}<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData><ofd:MaxUnitID>10'
            "</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>"
            "</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
            "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData>"
            '<ofd:Pages><ofd:Page ID="2" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>'
            "</ofd:Document>"
        ),
        "Doc_0/PublicRes.xml": (
            f'{head}<ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res"><ofd:Fonts>'
            '<ofd:Font ID="3" FontName="SimSun" FamilyName="SimSun"/></ofd:Fonts></ofd:Res>'
        ),
        "Doc_0/DocumentRes.xml": (
            f'{head}<ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res"><ofd:MultiMedias>'
            '<ofd:MultiMedia ID="4" Type="Image"><ofd:MediaFile>qr.png</ofd:MediaFile>'
            "</ofd:MultiMedia></ofd:MultiMedias></ofd:Res>"
            if image is not None
            else f'{head}<ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res"/>'
        ),
        "Doc_0/Pages/Page_0/Content.xml": (
            f'{head}<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="5">'
            '<ofd:TextObject ID="6" Boundary="20 40 170 10" Font="3" Size="5">'
            '<ofd:FillColor Value="0 0 0"/>'
            f'<ofd:TextCode X="0" Y="5">{text}</ofd:TextCode></ofd:TextObject>'
            + (
                '<ofd:ImageObject ID="7" Boundary="20 60 50 50" CTM="50 0 0 50 0 0" '
                'ResourceID="4"/>'
                if image is not None
                else ""
            )
            + "</ofd:Layer></ofd:Content></ofd:Page>"
        ),
    }
    out = {path: xml.encode("utf-8") for path, xml in files.items()}
    if image is not None:
        out["Doc_0/Res/qr.png"] = image
    return out


@cache
def seal_world() -> SealWorld:
    root = make_root(Algorithm.SM2_SM3, name="电子印章根证书")
    maker = make_signer(root, Algorithm.SM2_SM3, serial=10)
    signer = make_signer(root, Algorithm.SM2_SM3, serial=11)
    stranger = make_signer(root, Algorithm.SM2_SM3, serial=12)
    picture = round_seal_png(SEAL_NAME, size=300)
    seal = seal_make(
        maker=maker.signer,
        maker_certificate=maker.certificate,
        es_id="37000000000001",
        name=SEAL_NAME,
        signer_certificates=[signer.certificate],
        picture=SealPicture(picture, 40, 40),
        created=CERT_START,
        valid_until=CERT_END,
    )
    return SealWorld(root, maker, signer, stranger, seal, picture)


def seal_key(world: SealWorld) -> OfdSealKey:
    return OfdSealKey(world.signer.signer, world.signer.certificate, world.seal)


@cache
def sealed_files() -> dict[str, bytes]:
    world = seal_world()
    return ofd_seal(ofd_package(), key=seal_key(world), place=STAMP, at=SEALED_AT)


def sealed_ofd() -> bytes:
    return package_zip(sealed_files())
