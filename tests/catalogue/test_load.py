"""Loading the catalogue files into the database."""

from __future__ import annotations

import dataclasses

import pytest

from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.catalogue.models import (
    CatalogueList,
    Qualification,
    QualificationLevel,
    ResponsibilityRule,
)
from ecert.catalogue.services import catalogue_load
from ecert.core.errors import EcertError
from ecert.core.rules.catalogue import default_catalogue_dir, load_catalogue


def test_every_notice_list_is_stored_with_its_length(catalogue: dict[str, Qualification]) -> None:
    sizes = {lst.key: lst.entries.count() for lst in CatalogueList.objects.all()}
    assert (
        sizes
        == {
            "shandong-exam-proof": 22,
            "henan-exam-proof": 27,  # the paper-certificate exams of the seed 004 table, less 土地登记代理人
            "national-style-1": 24,
            "national-style-2": 7,
            "abolished-qualification-proof": 15,
            "henan-provincial-certificate": 3,
        }
    )
    style_two = CatalogueList.objects.get(key="national-style-2")
    assert set(style_two.entries.values_list("sealed_by__key", flat=True)) >= {
        "assoc-auction",
        "assoc-tax",
    }
    shandong = CatalogueList.objects.filter(key="shandong-exam-proof").values_list(
        "province__key", flat=True
    )
    assert list(shandong) == ["sd-hrss"]


def test_only_the_known_exam_code_is_filled_in(catalogue: dict[str, Qualification]) -> None:
    known = QualificationLevel.objects.exclude(exam_code="")
    assert [(lv.qualification.key, lv.name, lv.exam_code) for lv in known] == [
        ("constructor", "一级", "034")
    ]


def test_the_henan_table_says_who_hands_out_second_level_cost_engineers(
    catalogue: dict[str, Qualification],
) -> None:
    rules = ResponsibilityRule.objects.filter(qualification__key="cost-engineer").values_list(
        "levels", "distribution_authority__key", "electronic_by__key"
    )
    by_level: dict[tuple[str, ...], tuple[str | None, str | None]] = {
        tuple(levels): (paper, electronic) for levels, paper, electronic in rules
    }
    assert by_level[("一级",)] == ("ha-housing", None)
    assert by_level[("二级",)] == (None, "ha-hrss")


def test_loading_twice_changes_nothing(catalogue: dict[str, Qualification]) -> None:
    events = AuditEvent.objects.count()
    report = catalogue_load(actor=None, catalogue=load_catalogue(default_catalogue_dir()))
    assert not report.changed
    assert report.summary() == "无变化 / no change"
    assert AuditEvent.objects.count() == events


def test_an_exam_code_set_by_the_administrator_survives_a_reload(
    catalogue: dict[str, Qualification],
) -> None:
    level = QualificationLevel.objects.get(qualification__key="cost-engineer", name="一级")
    QualificationLevel.objects.filter(pk=level.pk).update(exam_code="099")
    catalogue_load(actor=None, catalogue=load_catalogue(default_catalogue_dir()))
    level.refresh_from_db()
    assert level.exam_code == "099"


def test_a_list_edited_in_the_file_is_replaced_whole(catalogue: dict[str, Qualification]) -> None:
    files = load_catalogue(default_catalogue_dir())
    style_two = files.lists["national-style-2"]
    shorter = dataclasses.replace(style_two, entries=style_two.entries[:6])
    report = catalogue_load(
        actor=None,
        catalogue=dataclasses.replace(files, lists={**files.lists, "national-style-2": shorter}),
    )
    assert report.counts["list entries replaced"] == 6
    assert CatalogueList.objects.get(key="national-style-2").entries.count() == 6


def test_a_list_naming_a_missing_authority_stores_nothing(tree: dict[str, Authority]) -> None:
    files = load_catalogue(default_catalogue_dir())
    broken = dataclasses.replace(files.lists["national-style-1"], issuer="no-such-body")
    with pytest.raises(EcertError, match="no-such-body"):
        catalogue_load(
            actor=None,
            catalogue=dataclasses.replace(files, lists={**files.lists, "national-style-1": broken}),
        )
    assert not Qualification.objects.exists()
    assert not CatalogueList.objects.exists()
