"""ID numbers at rest and on screen: encrypted in the row, found by keyed hash, shown masked."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection
from django.test import Client
from django.urls import reverse

from ecert.accounts.services import user_create
from ecert.core.identity.idnumbers import IdType, Sex, parse_id_number
from ecert.credentials.models import Holder
from ecert.credentials.personal_data import id_number_lookup_hash, pii_cipher
from ecert.credentials.services import holder_id_number, holder_register
from tests.conftest import PASSWORD, World
from tests.core.idgen import make_resident_id

# The cast's Jinan holder, 张堃 (tests/conftest.py).
JINAN_NUMBER = make_resident_id(date(1988, 5, 17), Sex.MALE, region="370102", seq=1)


@pytest.fixture
def jinan_holder(world: World) -> Holder:
    return Holder.objects.get(pk=world.credentials["jinan"].holder_id)


@pytest.fixture
def superuser_client(world: World, client: Client) -> Client:
    client.force_login(user_create(actor=None, username="root", password=PASSWORD, superuser=True))
    return client


def test_the_stored_ciphertext_does_not_contain_the_number(jinan_holder: Holder) -> None:
    blob = bytes(jinan_holder.id_number_ciphertext)
    assert JINAN_NUMBER.encode() not in blob
    assert JINAN_NUMBER.encode("utf-16-le") not in blob


def test_no_column_of_the_holder_row_holds_the_full_number(jinan_holder: Holder) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM credentials_holder WHERE id = %s", [jinan_holder.pk])
        row = cursor.fetchone()
    assert row is not None
    for value in row:
        raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
        assert JINAN_NUMBER.encode() not in raw


def test_the_stored_number_decrypts_to_the_registered_number(jinan_holder: Holder) -> None:
    assert holder_id_number(jinan_holder) == JINAN_NUMBER


def test_the_stored_number_does_not_decrypt_under_another_id_type(jinan_holder: Holder) -> None:
    with pytest.raises(InvalidTag):
        pii_cipher().decrypt(
            bytes(jinan_holder.id_number_ciphertext), context=IdType.PASSPORT.value
        )


def test_a_holder_moved_to_another_id_type_cannot_be_decrypted(jinan_holder: Holder) -> None:
    Holder.objects.filter(pk=jinan_holder.pk).update(id_type=IdType.PASSPORT.value)
    with pytest.raises(InvalidTag):
        holder_id_number(Holder.objects.get(pk=jinan_holder.pk))


def test_the_stored_lookup_hash_is_recomputed_identically(jinan_holder: Holder) -> None:
    number = parse_id_number(JINAN_NUMBER, IdType.RESIDENT_ID)
    assert jinan_holder.id_number_hash == id_number_lookup_hash(number.type, number.value)


def test_the_same_number_under_another_id_type_is_another_holder(jinan_holder: Holder) -> None:
    as_passport = parse_id_number(JINAN_NUMBER, IdType.PASSPORT)
    other = holder_register(actor=None, name="张堃", id_number=as_passport)
    assert other.pk != jinan_holder.pk
    assert other.id_number_hash != jinan_holder.id_number_hash


def test_str_of_a_holder_shows_the_masked_number_only(jinan_holder: Holder) -> None:
    assert str(jinan_holder) == f"张堃 ({jinan_holder.id_number_masked})"
    assert jinan_holder.id_number_masked == JINAN_NUMBER[:4] + "*" * 10 + JINAN_NUMBER[-4:]
    assert JINAN_NUMBER not in str(jinan_holder)


def test_admin_holder_list_shows_masked_numbers_only(
    superuser_client: Client, jinan_holder: Holder
) -> None:
    response = superuser_client.get(reverse("admin:credentials_holder_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert jinan_holder.id_number_masked in page
    assert JINAN_NUMBER not in page
    assert jinan_holder.id_number_hash not in page


def test_admin_holder_page_shows_the_masked_number_only(
    superuser_client: Client, jinan_holder: Holder
) -> None:
    url = reverse("admin:credentials_holder_change", args=[jinan_holder.pk])
    response = superuser_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert jinan_holder.id_number_masked in page
    assert JINAN_NUMBER not in page
    assert jinan_holder.id_number_hash not in page


def test_admin_credential_page_shows_its_holder_masked(
    superuser_client: Client, world: World
) -> None:
    credential = world.credentials["jinan"]
    url = reverse("admin:credentials_credential_change", args=[credential.pk])
    response = superuser_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert credential.holder.id_number_masked in page
    assert JINAN_NUMBER not in page
