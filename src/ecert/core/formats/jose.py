"""Compact JWS (RFC 7515 §7.1) on the project's ``Signer``: the W3C VC and the IETF Status List
Token are both a JSON header and a JSON payload signed as one, by a key that may live in an HSM
(decision 290). ES256 gives ``r ‖ s``, which is JWS's form (RFC 7518 §3.4); SM2 has no JOSE name.
The SD-JWT VC keeps its own faster writer (``sd_jwt_vc``), measured in bench."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from ecert.core.formats.algorithms import Algorithm, Signer

ALGORITHMS = {Algorithm.ES256: "ES256", Algorithm.EDDSA: "EdDSA"}


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact_json(item: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON without spaces, the form signed."""
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def jose_algorithm(signer: Signer) -> str | None:
    """The JOSE ``alg`` of the signer's key, None for SM2."""
    return ALGORITHMS.get(signer.algorithm)


def compact_jws(header: Mapping[str, Any], payload: Mapping[str, Any], signer: Signer) -> str:
    """``header.payload.signature``; ``header`` carries its ``alg`` (``jose_algorithm``)."""
    signing_input = f"{b64url(compact_json(header))}.{b64url(compact_json(payload))}"
    return f"{signing_input}.{b64url(signer.sign(signing_input.encode('ascii')))}"
