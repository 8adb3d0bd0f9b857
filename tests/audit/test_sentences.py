"""Every kind of audit event the code records reads as a Chinese sentence that names its facts
(issue 18): the kinds and the data keys each writes are found in the source, so a new kind, or
a new fact of an old one, without its sentence fails here."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

import ecert
from ecert.audit.services import audit_record
from ecert.backoffice.audit_sentences import SENTENCES, event_sentence, fields, object_label
from ecert.core.rules.kinds import CredentialKind, CredentialStatus
from ecert.verification.models import OrganisationState
from tests.chinese_text import foreign, problems
from tests.conftest import CAST, World

SOURCE = Path(ecert.__file__).parent
# Actions made by an f-string, by the f-string's source, with the values it takes.
EXPANDED: dict[str, list[str]] = {
    "f'credential.{status.value}'": [f"credential.{s.value}" for s in CredentialStatus],
    "f'organisation.{locked.state}'": [f"organisation.{s.value}" for s in OrganisationState],
    "f'credential.{kind.value}_issued'": [
        f"credential.{k.value}_issued"
        for k in (CredentialKind.SCORE_PROOF, CredentialKind.QUALIFICATION_PROOF)
    ],
}
# Data whose keys the call does not spell out as a dict, by action.
KEYS: dict[str, list[str]] = {
    "credential.issued": ["issued", "already_issued", "refused", "batches"],
    "credentials.issued": ["issued", "already_issued", "refused", "batches"],
    "catalogue.loaded": ["counts"],  # the report's counts, shown as one fact
    "holder.identity_refused": ["provider", "reason", "address", "subject_digest"],
    "user.sign_in_failed": ["address", "username", "typed", "typed_digest", "reason"],
    "user.sign_in_locked": [
        "address",
        "username",
        "typed",
        "typed_digest",
        "reason",
        "limit",
        "minutes",
    ],
    "user.disabled": ["username"],
    "user.enabled": ["username"],
    "user.password_reset": ["username", "typed"],
    "user.password_changed": ["username"],
}
# Facts a sentence leaves out: digests and keyed digests (checked through the chain, not read),
# Merkle roots, internal row numbers.
NOT_SHOWN = {
    "sha256",
    "evidence_sha256",
    "pledge_sha256",
    "typed_digest",
    "subject_digest",
    "activation_code",
    "credential",  # paper.counter_checked: the record found; the event's object names it
    "work_need",
}
NOT_SHOWN_BY_ACTION = {
    ("paper.counter_checked", "credential"),
    ("replacement.applied", "work_need"),
    ("title.reissue_refused", "replacement"),  # refused: there is none
    ("authority.created", "sector"),  # the industry line's key, shown on the authority's page
}
# A value for each fact, as the code records it ("action:key" where a key means another thing).
SAMPLES: dict[str, Any] = {
    "username": "jinan_clerk",
    "superuser": False,
    "role": "city_clerk",
    "name": "济南某建筑公司",
    "prefix": "k3Xh9",
    "id_number": "3701**********1234",
    "expires_at": "2026-12-31T00:00:00+00:00",
    "attempts": 3,
    "voided": True,
    "provider": "山东通",
    "address": "10.0.0.7",
    "reason": "核查中",
    "user.sign_in_failed:reason": "wrong_password",
    "user.sign_in_locked:reason": "unknown_user",
    "holder.identity_refused:reason": "identity_unverified",
    "replacement.applied:reason": "lost",
    "typed": "张三…",
    "user.password_reset:typed": True,
    "limit": 5,
    "minutes": 15,
    "kind": "hr_bureau",
    "level": "一级",
    "authority.created:level": "county",
    "sector": "finance",
    "authority.loaded:created": ["sd-jinan", "sd-qingdao"],
    "authority.loaded:updated": [],
    "width": 600,
    "height": 600,
    "replaced": True,
    "signing.key_rotated:replaced": ["a1b2c3d4e5f60718"],
    "from": "valid",
    "to": "suspended",
    "authority.region_code_set:from": "",
    "authority.region_code_set:to": "01102",
    "organisation:from": "pending",
    "organisation:to": "approved",
    "counts": {"qualifications created": 50, "list entries replaced": 98},
    "old": "",
    "new": "0101",
    "schemes": 29,
    "series_levels": 120,
    "algorithm": -7,
    "not_after": "2046-01-01T00:00:00+00:00",
    "kinds": ["exam_proof"],
    "purposes": [1, 2],
    "revoked_at": "2026-11-20T00:00:00+00:00",
    "signing.key_revoked:reason": "密钥泄露",
    "signers": 12,
    "lists": [0, 1],
    "file": "名单.csv",
    "bytes": 475,
    "rows": 4,
    "issued": 4,
    "already_issued": 0,
    "set_aside": 1,
    "refused": 0,
    "bad_rows": 1,
    "batches": [{"batch": "B20261102-A9FF4A6C", "kind": "exam_proof", "size": 4, "root": "09a4"}],
    "replacement.dispatched:batches": ["PC20261110-4ACE1A"],
    "attests": "PHJXNNADGMR91ZX7",
    "application": "投标须出示",
    "replacement.error_recorded:application": "BH20261110-4BDA4C",
    "by": "KVM1NRKAF1P7MW8H",
    "paper.chosen:by": "holder",
    "replacement": "KVM1NRKAF1P7MW8H",
    "title.reissued:replacement": "3701202600001",
    "changed": ["name", "id_number"],
    "scoped_copy": None,
    "media": "ofd",
    "signing.root_created:role": "national_seals",
    "signer_key": "5f0c2a6e9b3d4c1f",
    "maker_key": "8e7a6b5c4d3e2f10",
    "documents": 4,
    "selection": {
        "authority": "sd-pta",
        "authorityName": "山东省人事考试中心",
        "kind": "exam_proof",
        "issuedFrom": "2025-01-01",
        "issuedTo": None,
        "issuanceBatch": "B20261102-A9FF4A6C",
    },
    "reference": "SC20261120-1A2B",
    "valid_until": "2026-12-20",
    "batch": "B20261102-A9FF4A6C",
    "credentials": 2,
    "pages": 2,
    "with_seal": True,
    "qualification": "constructor",
    "approval_date": "2025-09-01",
    "edition": "new",
    "size": 3,
    "already": 0,
    "units": ["济南市人力资源和社会保障局"],
    "method": "mail",
    "parcels": 3,
    "carrier": "ems",
    "waybills": 3,
    "events": 7,
    "moved": 2,
    "receipt": "LQ2026000001",
    "by_proxy": False,
    "collector": "张*",
    "collector_id": "3701**********1234",
    "id_source": "reader",
    "form_type": "professional",
    "complete": False,
    "missing": ["specialty"],
    "again": False,
    "result": "mismatch",
    "replacement.completed:result": "KVM1NRKAF1P7MW8H",
    "differences": ["name"],
    "organisation": "91370100MA3C5GXX4P",
    "credential": "KVM1NRKAF1P7MW8H",
    "outcome": "replacement",
    "channel": "portal",
    "work_need": True,
    "score_proof": False,
    "changes": ["name"],
    "month": "202611",
    "applications": 2,
    "unit": "济南市人力资源和社会保障局",
    "found_by": "province",
    "files": ["申请表.pdf"],
    "holder": "3701**********1234",
    "series_level": "0101",
    "approval_document": "鲁人社〔2026〕1号",
    "records": 3,
    "first": "TA20260001",
    "last": "TA20260003",
    "number": "3701202600001",
    "approval": "TA20260001",
    "form": "paper",
    "replaces": None,
    "certificate": "3701202600001",
    "note": "材料齐全",
    "credit_code": "91370100MA3C5GXX4P",
    "sha256": "712d5f4cb464321ff35be98b37814928bfce11a318f5bc5c90f5739c294ba814",
    "evidence_sha256": "696e93f3fed18f9fc193b770e971ad20969bd1ed32d6ab2e03a25ad2dd1f4659",
    "pledge_sha256": "696e93f3fed18f9fc193b770e971ad20969bd1ed32d6ab2e03a25ad2dd1f4659",
    "typed_digest": "0a1b2c3d4e5f",
    "subject_digest": "0a1b2c3d4e5f",
    "activation_code": 17,
}
NAMES = {"constructor": "建造师"}  # what the page names a qualification key by


def _call_name(node: ast.Call) -> str:
    return getattr(node.func, "id", getattr(node.func, "attr", ""))


def _actions(value: ast.expr) -> list[str]:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.IfExp):
        return _actions(value.body) + _actions(value.orelse)
    if isinstance(value, ast.JoinedStr):
        source = ast.unparse(value)
        assert source in EXPANDED, f"an action made by {source}: add its values to EXPANDED"
        return EXPANDED[source]
    return []


def recorded() -> dict[str, list[str]]:
    """Every action the code records, with the data keys it writes (when it spells them)."""
    found: dict[str, list[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            keywords = {k.arg: k.value for k in node.keywords}
            if name == "audit_record" and "action" in keywords:
                data = keywords.get("data")
                keys = (
                    [str(k.value) for k in data.keys if isinstance(k, ast.Constant)]
                    if isinstance(data, ast.Dict)
                    else []
                )
                for action in _actions(keywords["action"]):
                    found.setdefault(action, keys)
            elif name == "_account_event":
                extra = [k for k in keywords if k]
                for action in _actions(node.args[2]):
                    found.setdefault(action, ["username", *extra])
        # Sign-in failures are recorded from a list of (action, data) pairs.
        for node in ast.walk(tree):
            if isinstance(node, ast.Tuple) and len(node.elts) == 2:
                first = node.elts[0]
                if isinstance(first, ast.Constant) and str(first.value).startswith("user.sign_in"):
                    found.setdefault(str(first.value), [])
    for action, keys in KEYS.items():
        if action in found:
            found[action] = keys
    return found


RECORDED = recorded()


def test_the_source_records_the_kinds_we_know() -> None:
    """The scan finds the events (a broken scan would make every other test here vacuous)."""
    assert len(RECORDED) > 60
    assert {"credential.suspended", "user.sign_in_locked", "title.reissue_refused"} <= set(RECORDED)


def test_every_sentence_is_of_a_recorded_kind() -> None:
    assert set(SENTENCES) - set(RECORDED) == set()


def _sample(action: str, key: str) -> Any:
    group = action.split(".")[0]
    for name in (f"{action}:{key}", f"{group}:{key}", key):
        if name in SAMPLES:
            return SAMPLES[name]
    raise AssertionError(f"no sample value for {action}:{key}")


@pytest.mark.parametrize("action", sorted(RECORDED))
def test_each_kind_reads_as_a_chinese_sentence_naming_its_facts(action: str) -> None:
    assert action in SENTENCES, f"{action} has no sentence in ecert.backoffice.audit_sentences"
    data = {key: _sample(action, key) for key in RECORDED[action]}
    named = set(fields(action))
    left_out = {
        k
        for k in data
        if k not in named and k not in NOT_SHOWN and (action, k) not in NOT_SHOWN_BY_ACTION
    }
    assert not left_out, f"{action} records {sorted(left_out)} but its sentence does not say them"
    with translation.override("zh-hans"):
        sentence = event_sentence(action, data, NAMES)
    assert not foreign(sentence, data=frozenset({"jinan_clerk"})), (action, sentence)
    assert named <= set(data), f"{action}'s sentence names facts it does not record"
    with translation.override("en"):
        assert event_sentence(action, data, NAMES) != sentence


def test_codes_become_words() -> None:
    """The examples the issue found: a status code, a flag, a role, a count of rows."""
    with translation.override("zh-hans"):
        assert (
            event_sentence(
                "credential.suspended", {"from": "valid", "to": "suspended", "reason": "核查中"}
            )
            == "暂停证书（由“有效”改为“暂停”）：核查中"
        )
        assert event_sentence("role.assigned", {"username": "a", "role": "city_clerk"}) == (
            "授予账号 a 角色：市级经办人"
        )
        assert event_sentence("passlist.rejected", {"rows": 1, "bad_rows": 1}) == (
            "合格名单被退回：1 行中 1 行有错误"
        )
        assert object_label("replacement_application", "BH1") == "补换证申请 BH1"


def test_the_audit_log_page_tells_events_in_sentences(world: World, client: Client) -> None:
    """The auditor's page: sentences, the system as 系统, objects by their kind; no codes."""
    from django.db import transaction

    with transaction.atomic():
        audit_record(
            actor=world.user("jinan_clerk"),
            action="credential.suspended",
            authority=world.authorities["sd-jinan"],
            object_type="credential",
            object_id=world.credentials["jinan"].public_id,
            data={"from": "valid", "to": "suspended", "reason": "核查中"},
        )
    client.force_login(world.users["auditor"])
    page = client.get(reverse("backoffice:audit_log"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "暂停证书（由“有效”改为“暂停”）：核查中" in html
    assert f"证书 {world.credentials['jinan'].public_id}" in html
    assert ">系统<" in html
    assert not problems(html, data=frozenset(CAST))


def _audit_log(client: Client, world: World, language: str) -> str:
    client.force_login(world.users["auditor"])
    page = client.get(reverse("backoffice:audit_log"), HTTP_ACCEPT_LANGUAGE=language)
    return page.content.decode()


def test_a_published_status_list_is_named_by_its_list_number_alone(
    world: World, issuing_keys: Any, client: Client
) -> None:
    """The sentence and the object name the list by the number its file publishes (第 0 号), not
    by how many lists were signed (which read as 状态列表 1 beside 第 0 号)."""
    from datetime import UTC, datetime

    from ecert.audit.models import AuditEvent
    from ecert.credentials.status_lists import status_lists_publish

    published = status_lists_publish(
        actor=None, authority=world.authorities["sd-hrss"], now=datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert [p.list_number for p in published] == [0]
    event = AuditEvent.objects.get(action="signing.status_lists_published")
    assert event.object_id == "0"

    html = _audit_log(client, world, "zh-hans")
    assert "发布状态列表：第 0 号" in html
    assert "状态列表 第 0 号" in html
    assert "状态列表 1" not in html
    assert "status list no. 0" in _audit_log(client, world, "en")


def test_a_status_list_event_recorded_with_a_count_reads_by_its_list_numbers(
    world: World, client: Client
) -> None:
    """Events written before the fix hold the count of lists as their object id (in the chain,
    never rewritten); the page names them by their list numbers all the same."""
    from django.db import transaction

    with transaction.atomic():
        audit_record(
            actor=None,
            action="signing.status_lists_published",
            authority=world.authorities["sd-hrss"],
            object_type="status_list",
            object_id=2,
            data={"lists": [0, 1]},
        )
    html = _audit_log(client, world, "zh-hans")
    assert "发布状态列表：第 0、1 号" in html
    assert "状态列表 第 0、1 号" in html
    assert "状态列表 2" not in html
