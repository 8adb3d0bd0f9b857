"""The fixed cast: one user per role, placed in the packaged authority tree, and credentials in
known places (Jinan, Qingdao, a Jinan county, Henan) so that every test can ask who sees what."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from ecert.accounts.models import User
from ecert.accounts.services import role_assign, user_create
from ecert.audit import triggers
from ecert.authorities.models import Authority
from ecert.authorities.services import authorities_load, authority_create
from ecert.catalogue.models import Qualification
from ecert.catalogue.services import catalogue_load
from ecert.cli.demo import demo_authorities
from ecert.config import KeyStoreConfig
from ecert.core.formats.algorithms import Algorithm
from ecert.core.identity.idnumbers import Sex, parse_id_number
from ecert.core.rules.authorities import (
    AuthorityRecord,
    default_authorities_path,
    load_authorities,
)
from ecert.core.rules.catalogue import Catalogue, default_catalogue_dir, load_catalogue
from ecert.core.rules.drafts import CredentialDraft, PersonDraft
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel, CredentialForm, CredentialKind
from ecert.core.rules.roles import Role
from ecert.core.rules.titles import load_code_tables
from ecert.credentials.models import Credential, Holder
from ecert.credentials.services import credentials_issue
from ecert.signing.models import SignerKey
from ecert.signing.selectors import signing_plan
from ecert.titles.services import code_tables_load
from ecert.verification.models import Organisation, OrganisationState
from tests.core.idgen import make_resident_id
from tests.keys import MADE as KEYS_MADE
from tests.keys import PASSWORD as KEYS_PASSWORD
from tests.keys import keys_install, signer_keys_install

PASSWORD = "cast-password-2026"
EMPLOYER_CREDIT_CODE = "91370100MA3C5GXX4P"

# (username, role, authority key or None)
CAST: dict[str, tuple[Role, str | None]] = {
    "province_admin": (Role.PROVINCE_ADMIN, "sd-hrss"),
    "exam_centre_clerk": (Role.EXAM_CENTRE_CLERK, "sd-pta"),
    "jinan_clerk": (Role.CITY_CLERK, "sd-jinan"),
    "qingdao_clerk": (Role.CITY_CLERK, "sd-qingdao"),
    "county_clerk": (Role.COUNTY_CLERK, "sd-jinan-lixia"),
    "department_clerk": (Role.DEPARTMENT_CLERK, "ha-housing"),
    "institution_clerk": (Role.INSTITUTION_CLERK, "sd-sdu"),
    "employer": (Role.EMPLOYER_VERIFIER, None),
    "holder": (Role.HOLDER, None),
    "auditor": (Role.AUDITOR, "mohrss"),
    "security_admin": (Role.SECURITY_ADMIN, "mohrss"),
    "sd_auditor": (Role.AUDITOR, "sd-hrss"),
    "sd_security": (Role.SECURITY_ADMIN, "sd-hrss"),
}


@dataclass
class World:
    users: dict[str, User]
    credentials: dict[str, Credential]
    authorities: dict[str, Authority]

    def user(self, name: str) -> User:
        return User.objects.get(pk=self.users[name].pk)  # fresh instance: no cached assignments


@pytest.fixture(scope="session", autouse=True)
def _data_dir_of_this_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test process (each xdist worker) keeps its files, media and file cache in a folder of
    its own, so parallel workers never read each other's progress or documents. It runs no spool
    drain thread (ECERT_SPOOL_DRAIN=worker): one would store, at any moment, the lines of
    whichever test's spool is current; a test that needs its verifications in the log drains."""
    data = tmp_path_factory.mktemp("ecert-data")
    override = override_settings(
        ECERT_SPOOL_DRAIN="worker",
        ECERT_DATA_DIR=data,
        MEDIA_ROOT=data / "media",
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(data / "cache"),
            }
        },
    )
    override.enable()
    yield data
    override.disable()


@pytest.fixture
def own_storage(settings: Any, tmp_path: Path) -> Path:
    """Files of this test alone: the data directory under its tmp_path, an in-memory cache."""
    data = tmp_path / "data"
    settings.ECERT_DATA_DIR = data
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }
    return data


@functools.cache
def packaged_authorities() -> tuple[AuthorityRecord, ...]:
    """The packaged authorities file, read once per test process (it does not change)."""
    return load_authorities(default_authorities_path())


@functools.cache
def packaged_catalogue() -> Catalogue:
    """The packaged catalogue files, read once per test process (they do not change)."""
    return load_catalogue(default_catalogue_dir())


@pytest.fixture
def tree(db: Any) -> dict[str, Authority]:
    authorities_load(actor=None, records=packaged_authorities())
    demo_authorities()  # a county below Jinan and an institution (山东大学)
    return {a.key: a for a in Authority.objects.all()}


@pytest.fixture
def catalogue(tree: dict[str, Authority]) -> dict[str, Qualification]:
    catalogue_load(actor=None, catalogue=packaged_catalogue())
    return {q.key: q for q in Qualification.objects.all()}


# The cast's credentials: (holder's name, issuer, registration city, ID region, sequence).
PLACES = {
    "jinan": ("张堃", "sd-pta", "sd-jinan", "370102", 1),
    "qingdao": ("李喆", "sd-pta", "sd-qingdao", "370202", 2),
    "county": ("王赟", "sd-pta", "sd-jinan-lixia", "370102", 3),
    "henan": ("赵昇", "ha-hrss", "ha-zhengzhou", "410102", 4),
    "institution": ("孙𠮷", "sd-sdu", None, "370102", 5),
}
WORLD_SIGNED_AT = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


def cast_id_number(seq: int) -> str:
    """The ID number of the cast's ``seq``-th holder (born 1988-05-17)."""
    region = next(r for _n, _i, _c, r, s in PLACES.values() if s == seq)
    return make_resident_id(date(1988, 5, 17), Sex.MALE if seq % 2 else Sex.FEMALE, region, seq)


@pytest.fixture
def world(
    catalogue: dict[str, Qualification],
    tree: dict[str, Authority],
    issuing_keys: dict[str, Authority],
) -> World:
    users = {}
    for username, (role, authority_key) in CAST.items():
        user = user_create(actor=None, username=username, password=PASSWORD, display_name=username)
        role_assign(
            actor=None,
            user=user,
            role=role,
            authority=tree[authority_key] if authority_key else None,
        )
        users[username] = user
    constructor = catalogue["constructor"]
    drafts = [
        CredentialDraft(
            person=PersonDraft(name=name, id_number=parse_id_number(cast_id_number(seq))),
            kind=CredentialKind.EXAM_PROOF,
            form=CredentialForm.ELECTRONIC,
            issuer=tree[issuer].pk,
            approval_date=date(2025, 9, 1),
            issue_date=date(2025, 10, 8),
            number=f"TEST{seq:08d}",
            qualification=constructor.pk,
            level="一级",
            specialty="建筑工程",
            registration=tree[registration].pk if registration else None,
            template="shandong-exam-proof",
        )
        for name, issuer, registration, _region, seq in PLACES.values()
    ]
    credentials_issue(actor=None, drafts=drafts, now=WORLD_SIGNED_AT)
    credentials = {
        place: Credential.objects.get(management_number=f"TEST{seq:08d}")
        for place, (*_rest, seq) in PLACES.items()
    }
    Holder.objects.filter(pk=credentials["jinan"].holder_id).update(user=users["holder"])
    return World(users=users, credentials=credentials, authorities=tree)


@pytest.fixture(scope="module")
def audit_flush_allowed(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """For live-server tests on SQLite: Django's flush deletes rows, which the audit trigger refuses.

    Module scope brackets the per-test flush, so the trigger is back before any other module runs.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            triggers.run(triggers.REMOVE, connection)
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            triggers.run(triggers.INSTALL, connection)


@pytest.fixture(autouse=True)
def _lock_order_checked(settings: Any) -> None:
    """A lock taken out of the one order (ecert.audit.locks) fails the test that takes it."""
    settings.ECERT_LOCK_ORDER_CHECK = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2's deliberate slowness protects production passwords; tests only need a hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ISSUING_KEY_PASSWORD = KEYS_PASSWORD
ISSUING_KEYS_MADE = KEYS_MADE
# The cast's credentials are exam proofs of these issuers (whatever the catalogue says), so that
# scoping can be tested from every side.
CAST_ISSUERS = ("sd-pta", "ha-hrss", "sd-sdu")


@pytest.fixture
def issuing_keys(
    settings: Any, tmp_path: Path, catalogue: dict[str, Qualification]
) -> dict[str, Authority]:
    """A root and one ES256 key per issuing authority (as `ecert keys init` makes them), and its
    demo seal picture (as `ecert demo` draws them); made once per test process (tests/keys.py)."""
    return issuing_keys_install(settings, tmp_path, Algorithm.ES256)


def issuing_keys_install(
    settings: Any, tmp_path: Path, algorithm: Algorithm
) -> dict[str, Authority]:
    """The ``issuing_keys`` fixture's work for keys of ``algorithm``: a module of an SM2
    deployment overrides the fixture with ``issuing_keys_install(..., Algorithm.SM2_SM3)``."""
    key_dir = tmp_path / "keys"
    settings.ECERT_KEYSTORE = KeyStoreConfig(
        kind="file", directory=key_dir, password=ISSUING_KEY_PASSWORD
    )
    plan = signing_plan()
    for authority in Authority.objects.filter(key__in=CAST_ISSUERS):
        plan.setdefault(authority, set()).add(CredentialKind.EXAM_PROOF)
    keys_install(key_dir, plan, algorithm=algorithm)
    return {authority.key: authority for authority in plan}


@pytest.fixture
def employer_organisation(world: World) -> Organisation:
    """The cast's employer account, approved by the Jinan bureau."""
    return Organisation.objects.create(
        reference="ORGJINAN01",
        name="济南某建筑公司",
        credit_code=EMPLOYER_CREDIT_CODE,
        city=world.authorities["sd-jinan"],
        contact_name="刘工",
        contact_phone="0531-88888888",
        account=world.users["employer"],
        state=OrganisationState.APPROVED,
        created_at=ISSUING_KEYS_MADE,
    )


@pytest.fixture
def titles(world: World) -> World:
    """The code tables, and a city department under Liaocheng with a code of the city's own."""
    code_tables_load(actor=None, tables=load_code_tables())
    authority_create(
        actor=None,
        key="sd-liaocheng-education",
        name="聊城市教育局",
        kind=AuthorityKind.DEPARTMENT,
        level=AuthorityLevel.CITY,
        parent=Authority.objects.get(key="sd-liaocheng"),
        division_code="",
    )
    Authority.objects.filter(key="sd-liaocheng-education").update(region_department_code="14031")
    world.authorities = {a.key: a for a in Authority.objects.all()}
    return world


@pytest.fixture
def title_keys(titles: World, settings: Any) -> World:
    """Keys (and seals) for the title-approving bodies the titles fixture added."""
    keyed = set(SignerKey.objects.values_list("authority_id", flat=True))
    plan = {a: kinds for a, kinds in signing_plan().items() if a.pk not in keyed}
    signer_keys_install(Path(settings.ECERT_KEYSTORE.directory), plan)
    return titles
