"""Verifying the chain where people look: `ecert audit-verify` and the auditor's audit page."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from ecert.audit.models import AuditChainHead, AuditEvent
from ecert.cli import app
from ecert.core.identity.idnumbers import Sex, parse_id_number
from ecert.credentials.services import holder_register
from tests.audit.conftest import delete_event, tamper_with_data
from tests.conftest import World
from tests.core.idgen import make_resident_id


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("COLUMNS", "200")  # one line per message, whatever the terminal
    return CliRunner()


def middle_sequence() -> int:
    return AuditEvent.objects.count() // 2


def audit_page(client: Client, world: World, query: str = "?verify=1") -> str:
    client.force_login(world.users["auditor"])
    response = client.get(reverse("backoffice:audit_log") + query)
    assert response.status_code == 200
    return response.content.decode()


def test_audit_verify_exits_0_and_counts_events_when_intact(
    world: World, runner: CliRunner
) -> None:
    result = runner.invoke(app, ["audit-verify"])
    assert result.exit_code == 0, result.output
    head = AuditChainHead.objects.get()
    assert f"audit chain intact: {AuditEvent.objects.count()} events" in result.output
    assert f"head #{head.sequence} {head.digest}" in result.output
    assert "审计链完整" in result.output


def test_audit_verify_exits_1_and_names_the_changed_event(
    world: World, runner: CliRunner, append_only_lifted: None
) -> None:
    sequence = middle_sequence()
    tamper_with_data(sequence, {"reason": "forged"})
    result = runner.invoke(app, ["audit-verify"])
    assert result.exit_code == 1
    assert f"审计链在第 {sequence} 条断开" in result.output
    assert f"audit chain broken at event #{sequence}: content does not match" in result.output


def test_audit_verify_exits_1_after_a_deleted_event(
    world: World, runner: CliRunner, append_only_lifted: None
) -> None:
    sequence = middle_sequence()
    delete_event(sequence)
    result = runner.invoke(app, ["audit-verify"])
    assert result.exit_code == 1
    assert f"audit chain broken at event #{sequence + 1}" in result.output


def test_audit_page_shows_the_chain_intact_to_the_auditor(world: World, client: Client) -> None:
    assert "哈希链完整" in audit_page(client, world)


def test_audit_page_names_the_event_where_the_chain_breaks(
    world: World, client: Client, append_only_lifted: None
) -> None:
    sequence = middle_sequence()
    tamper_with_data(sequence, {"reason": "forged"})
    page = audit_page(client, world)
    assert f"哈希链在第 {sequence} 条事件处断开" in page
    assert "哈希链完整" not in page


def test_audit_page_verifies_only_when_asked(
    world: World, client: Client, append_only_lifted: None
) -> None:
    tamper_with_data(middle_sequence(), {"reason": "forged"})
    page = audit_page(client, world, query="")
    assert "哈希链完整" not in page
    assert "断开" not in page


def test_audit_page_shows_masked_id_numbers_only(world: World, client: Client) -> None:
    number = make_resident_id(date(1990, 2, 3), Sex.MALE, region="370102", seq=9)
    holder = holder_register(actor=None, name="周芷", id_number=parse_id_number(number))
    page = audit_page(client, world, query="?action=holder.registered")
    assert holder.id_number_masked in page
    assert number not in page
