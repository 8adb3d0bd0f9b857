"""The codes the title pages answer with: every refusal of the title rules and services, told
apart from a refused sheet's, and never a key store's fault."""

from __future__ import annotations

from ecert.core.formats import algorithms, keystore
from ecert.core.rules import titles as title_rules
from ecert.core.spreadsheets import title_sheet
from ecert.core.spreadsheets.title_sheet import SHEET_REFUSALS
from ecert.titles.services import REFUSALS
from tests.error_codes import codes_raised


def test_title_refusals_are_every_code_of_the_title_rules_and_services() -> None:
    assert codes_raised(title_rules) | {"title_refused"} == REFUSALS


def test_a_refused_sheet_is_told_apart_from_a_row_the_rules_refuse() -> None:
    assert codes_raised(title_sheet) <= SHEET_REFUSALS
    assert not SHEET_REFUSALS & (REFUSALS | {"holder_name_mismatch"})


def test_a_key_store_fault_is_never_a_title_refusal() -> None:
    assert not codes_raised(keystore, algorithms) & REFUSALS
