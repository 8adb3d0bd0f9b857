"""Exam codes (考试代码) set by the province administrator in the back office: checked, audited,
one exam's each, and kept by every reload of the catalogue files."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ecert.audit.models import AuditEvent
from ecert.catalogue.models import Qualification, QualificationLevel
from ecert.catalogue.services import catalogue_load, exam_code_set
from ecert.core.errors import EcertError
from ecert.core.rules.catalogue import default_catalogue_dir, load_catalogue
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db


def _level(key: str, name: str) -> QualificationLevel:
    return QualificationLevel.objects.get(qualification__key=key, name=name)


def _set(world: World, key: str, level: str | None, code: str) -> None:
    exam_code_set(
        actor=world.user("province_admin"),
        qualification=Qualification.objects.get(key=key),
        level=level,
        code=code,
    )


def test_administrator_sets_the_code_of_a_level(world: World) -> None:
    _set(world, "constructor", "二级", "035")
    assert _level("constructor", "二级").exam_code == "035"


def test_the_code_set_is_audited_with_old_and_new(world: World) -> None:
    _set(world, "constructor", "二级", "035")
    _set(world, "constructor", "二级", "036")
    event = AuditEvent.objects.filter(action="catalogue.exam_code_set").order_by("-sequence")[0]
    assert event.data == {"level": "二级", "old": "035", "new": "036"}
    assert event.object_id == "constructor"


def test_a_qualification_without_levels_gets_its_own_code(world: World) -> None:
    _set(world, "auctioneer", None, "071")
    assert Qualification.objects.get(key="auctioneer").exam_code == "071"


@pytest.mark.parametrize("code", ["34", "0345", "o34", "", "3 4"])
def test_a_code_that_is_not_three_digits_is_refused(world: World, code: str) -> None:
    with pytest.raises(EcertError) as refused:
        _set(world, "constructor", "二级", code)
    assert refused.value.code == "bad_exam_code"
    assert "3 位数字" in refused.value.zh


def test_a_code_of_another_exam_is_refused_naming_it(world: World) -> None:
    with pytest.raises(EcertError) as refused:
        _set(world, "cost-engineer", "一级", "034")
    assert refused.value.code == "exam_code_taken"
    assert "一级建造师" in refused.value.zh


def test_a_code_a_notice_gives_is_not_changed_here(world: World) -> None:
    with pytest.raises(EcertError) as refused:
        _set(world, "constructor", "一级", "099")
    assert refused.value.code == "exam_code_from_notice"
    assert _level("constructor", "一级").exam_code == "034"


def test_a_level_is_needed_where_the_qualification_has_levels(world: World) -> None:
    with pytest.raises(EcertError) as refused:
        _set(world, "constructor", None, "035")
    assert refused.value.code == "level_needed"


def test_an_unknown_level_is_refused(world: World) -> None:
    with pytest.raises(EcertError) as refused:
        _set(world, "constructor", "三级", "035")
    assert refused.value.code == "unknown_level"


def test_a_clerk_may_not_set_a_code(world: World) -> None:
    with pytest.raises(EcertError) as refused:
        exam_code_set(
            actor=world.user("exam_centre_clerk"),
            qualification=Qualification.objects.get(key="constructor"),
            level="二级",
            code="035",
        )
    assert refused.value.code == "not_allowed"


def test_a_reload_keeps_the_code_set_in_the_back_office(world: World) -> None:
    _set(world, "constructor", "二级", "035")
    _set(world, "auctioneer", None, "071")
    report = catalogue_load(actor=None, catalogue=load_catalogue(default_catalogue_dir()))
    assert not report.changed
    assert _level("constructor", "二级").exam_code == "035"
    assert Qualification.objects.get(key="auctioneer").exam_code == "071"


def test_a_reload_keeps_the_notice_code_marked_as_the_notice_s(world: World) -> None:
    catalogue_load(actor=None, catalogue=load_catalogue(default_catalogue_dir()))
    assert _level("constructor", "一级").exam_code_source == "catalogue"


# ── The page ───────────────────────────────────────────────────────────────────────────────────


def _signed_in(client: Client, who: str) -> Client:
    assert client.login(username=who, password=PASSWORD)
    return client


def test_the_form_is_shown_to_the_administrator_only(world: World, client: Client) -> None:
    url = reverse("backoffice:qualification_detail", args=["constructor"])
    assert "exam-code-form" in _signed_in(client, "province_admin").get(url).content.decode()
    client.logout()
    assert "exam-code-form" not in _signed_in(client, "jinan_clerk").get(url).content.decode()


def test_the_page_sets_a_code_and_shows_it(world: World, client: Client) -> None:
    url = reverse("backoffice:catalogue_exam_code", args=["constructor"])
    answer = _signed_in(client, "province_admin").post(
        url, {"level": "二级", "code": "035"}, follow=True
    )
    page = answer.content.decode()
    assert "<code>035</code>" in page
    assert "省级管理员" in page  # who gave it


def test_the_page_shows_a_bad_code_beside_the_field(world: World, client: Client) -> None:
    url = reverse("backoffice:catalogue_exam_code", args=["constructor"])
    answer = _signed_in(client, "province_admin").post(url, {"level": "二级", "code": "35"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'data-testid="error-code"' in page
    assert "不是有效的考试代码" in page


def test_the_page_names_the_exam_that_has_the_code(world: World, client: Client) -> None:
    url = reverse("backoffice:catalogue_exam_code", args=["cost-engineer"])
    answer = _signed_in(client, "province_admin").post(url, {"level": "一级", "code": "034"})
    assert "一级建造师" in answer.content.decode()
