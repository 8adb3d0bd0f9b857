"""Registering holders: one holder per ID number, whatever way the number was typed."""

from __future__ import annotations

from datetime import date

import pytest

from ecert.audit.models import AuditEvent
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdNumber, IdType, Sex, parse_id_number
from ecert.credentials.models import Holder
from ecert.credentials.services import holder_register
from tests.core.idgen import make_resident_id

NUMBER = make_resident_id(date(1992, 3, 4), Sex.FEMALE, region="110105", seq=1)  # not the cast
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def resident(raw: str) -> IdNumber:
    return parse_id_number(raw, IdType.RESIDENT_ID)


def test_registering_the_same_number_twice_gives_the_same_holder(db: None) -> None:
    first = holder_register(actor=None, name="周芷", id_number=resident(NUMBER))
    second = holder_register(actor=None, name="周芷", id_number=resident(NUMBER))
    assert first.pk == second.pk
    assert Holder.objects.count() == 1


def test_the_same_number_typed_differently_gives_the_same_holder(db: None) -> None:
    first = holder_register(actor=None, name="周芷", id_number=resident(NUMBER))
    typed = " ".join([NUMBER[:6], NUMBER[6:14], NUMBER[14:]]).translate(FULL_WIDTH)
    assert holder_register(actor=None, name="周芷", id_number=resident(typed)).pk == first.pk


def test_a_new_holder_is_shown_by_a_masked_number(db: None) -> None:
    holder = holder_register(actor=None, name="周芷", id_number=resident(NUMBER))
    assert holder.id_number_masked == NUMBER[:4] + "*" * 10 + NUMBER[-4:]
    assert AuditEvent.objects.filter(action="holder.registered").count() == 1


def test_registering_a_known_holder_again_records_nothing_new(db: None) -> None:
    holder_register(actor=None, name="周芷", id_number=resident(NUMBER))
    holder_register(actor=None, name="周芷", id_number=resident(NUMBER))
    assert AuditEvent.objects.filter(action="holder.registered").count() == 1


def test_a_new_holders_name_is_normalised(db: None) -> None:
    holder = holder_register(actor=None, name="  ＺＨＯＵ\u3000Ｚｈｉ ", id_number=resident(NUMBER))
    assert Holder.objects.get(pk=holder.pk).name == "ZHOU Zhi"


def test_a_name_that_cannot_be_printed_stores_nothing(db: None) -> None:
    with pytest.raises(EcertError):
        holder_register(actor=None, name="周\x00芷", id_number=resident(NUMBER))
    assert not Holder.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_rare_character_in_the_name_survives_storage(db: None) -> None:
    holder = holder_register(actor=None, name="孙𠮷", id_number=resident(NUMBER))
    assert Holder.objects.get(pk=holder.pk).name == "孙𠮷"


def test_a_known_number_under_another_name_is_refused(db: None) -> None:
    holder_register(actor=None, name="周芷", id_number=resident(NUMBER))
    with pytest.raises(ValueError, match="another name"):
        holder_register(actor=None, name="李四", id_number=resident(NUMBER))
