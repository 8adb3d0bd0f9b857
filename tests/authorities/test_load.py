"""Loading the authority file: complete, idempotent, and moving a subtree moves its paths."""

from __future__ import annotations

import dataclasses
from typing import Any

from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.authorities.services import authorities_load
from ecert.core.rules.authorities import default_authorities_path, load_authorities


def test_loading_the_packaged_file_builds_the_tree(db: Any) -> None:
    report = authorities_load(actor=None, records=load_authorities(default_authorities_path()))
    assert len(report.created) == Authority.objects.count() == 64
    liaocheng = Authority.objects.get(key="sd-liaocheng")
    assert liaocheng.path == "/mohrss/sd-hrss/sd-liaocheng/"
    assert liaocheng.region_department_code == "14020"
    assert Authority.objects.get(region_department_code="00001").key == "sd-hrss"
    assert Authority.objects.filter(parent__key="sd-hrss", level="city").count() == 16
    assert Authority.objects.filter(parent__key="ha-hrss", level="city").count() == 18  # 17 + 济源


def test_loading_twice_changes_nothing_and_records_nothing(db: Any) -> None:
    records = load_authorities(default_authorities_path())
    authorities_load(actor=None, records=records)
    events = AuditEvent.objects.count()
    again = authorities_load(actor=None, records=records)
    assert not again.changed
    assert again.unchanged == 64
    assert AuditEvent.objects.count() == events


def test_a_renamed_authority_is_updated_in_place(db: Any) -> None:
    records = list(load_authorities(default_authorities_path()))
    authorities_load(actor=None, records=records)
    before = Authority.objects.get(key="sd-jinan").pk
    renamed = [
        dataclasses.replace(r, name="济南市人力资源社会保障局") if r.key == "sd-jinan" else r
        for r in records
    ]
    report = authorities_load(actor=None, records=renamed)
    assert report.updated == ["sd-jinan"]
    jinan = Authority.objects.get(key="sd-jinan")
    assert (jinan.pk, jinan.name) == (before, "济南市人力资源社会保障局")
    assert AuditEvent.objects.filter(action="authority.loaded").count() == 2


def test_moving_an_authority_moves_every_path_below_it(tree: dict[str, Authority]) -> None:
    records = list(load_authorities(default_authorities_path()))
    moved = [dataclasses.replace(r, parent="sd-pta") if r.key == "sd-jinan" else r for r in records]
    authorities_load(actor=None, records=moved)
    assert Authority.objects.get(key="sd-jinan").path == "/mohrss/sd-hrss/sd-pta/sd-jinan/"
    # The county added outside the file follows its city.
    assert (
        Authority.objects.get(key="sd-jinan-lixia").path
        == "/mohrss/sd-hrss/sd-pta/sd-jinan/sd-jinan-lixia/"
    )
