"""Personal data of holders: the process-wide cipher (keyed from settings.ECERT_PII_KEY) and the
stored form of an ID number, shared by the single and the bulk write paths."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings

from ecert.core.identity.idnumbers import IdNumber, IdType, mask_id_number
from ecert.core.identity.pii import PiiCipher


@cache
def pii_cipher() -> PiiCipher:
    return PiiCipher(settings.ECERT_PII_KEY)


def id_number_plain(ciphertext: bytes | memoryview, id_type: str) -> str:
    """A stored ID number decrypted: its ciphertext column and its type (bound as context)."""
    return pii_cipher().decrypt(bytes(ciphertext), context=id_type)


def id_number_lookup_hash(id_type: IdType, canonical: str) -> str:
    return pii_cipher().lookup_hash(canonical, context=id_type.value)


def holder_identity_fields(id_number: IdNumber, lookup_hash: str | None = None) -> dict[str, Any]:
    """Holder columns derived from the ID number, in this order: type, ciphertext, lookup hash,
    masked form. Pass `lookup_hash` when it is already computed."""
    return {
        "id_type": id_number.type.value,
        "id_number_ciphertext": pii_cipher().encrypt(id_number.value, context=id_number.type.value),
        "id_number_hash": lookup_hash or id_number_lookup_hash(id_number.type, id_number.value),
        "id_number_masked": mask_id_number(id_number.value),
    }
