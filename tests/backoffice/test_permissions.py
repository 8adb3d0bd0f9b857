"""Every route, every member of the cast: who gets the page, who is refused, who is told 'not found'.

A route added to the URL configuration without a row here fails `test_every_route_is_in_the_table`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ecert.accounts.models import ActivationCode
from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.core.rules.kinds import CredentialForm
from ecert.core.rules.paper import Edition, Method
from ecert.core.rules.titles import load_code_tables
from ecert.distribution.collection import paper_collect
from ecert.distribution.counter_checks import OrganisationFacts, Presented, counter_check_record
from ecert.distribution.mail import mail_orders_export
from ecert.distribution.models import PaperCertificate
from ecert.distribution.services import MailAddress, paper_choose
from ecert.documents.printing import print_file_create, print_file_run
from ecert.issuance.services import passlist_import_create, passlist_import_run
from ecert.replacement.models import Application
from ecert.replacement.services import application_accept, application_submit
from ecert.titles.certificates import title_certificate_issue
from ecert.titles.services import code_tables_load
from tests.conftest import CAST, EMPLOYER_CREDIT_CODE, World
from tests.distribution.conftest import (
    SD_APPROVED,
    Paper,
    deliver,
    jinan_seals,  # noqa: F401 - a fixture of the counter-check routes
    sd_id,
)
from tests.distribution.conftest import paper as paper  # the fixture, for the paper routes
from tests.distribution.evidence import ZHAO_SHENG_ID, evidence
from tests.documents.conftest import electronic_seals_made, import_signed_batch
from tests.portal.signed import signed_proof
from tests.public.test_access import (
    ORGANISATION_PAGES,
    PUBLIC_API,
    PUBLIC_PAGES,
    PUBLIC_POSTS,
    SIGN_OUT,
)
from tests.replacement.conftest import holder_input
from tests.titles.conftest import NOW, record, submit


@dataclass(frozen=True)
class Route:
    """Who gets the page (``ok_status``, 200 unless said) and who, holding the permission, is told
    the object is not theirs (404).

    Every other signed-in member of the cast gets 403; anonymous visitors go to ``login``.
    """

    ok: frozenset[str]
    not_found: frozenset[str] = frozenset()
    kwargs: dict[str, str] = field(default_factory=dict)
    ok_status: int = 200
    login: str = "backoffice:login"


CLERKS = frozenset(
    {
        "province_admin",
        "exam_centre_clerk",
        "jinan_clerk",
        "qingdao_clerk",
        "county_clerk",
        "department_clerk",
        "institution_clerk",
    }
)
AUDITORS = frozenset({"auditor", "sd_auditor"})
SECURITY = frozenset({"security_admin", "sd_security"})
NATIONAL_SECURITY = frozenset({"security_admin"})
SD_SECURITY = frozenset({"sd_security"})
HENAN_ACCOUNT = {"username": "department_clerk"}  # a department clerk in Henan
SEE_JINAN = frozenset({"province_admin", "jinan_clerk"}) | AUDITORS | SECURITY
ISSUERS = frozenset({"province_admin", "exam_centre_clerk"})
SD_IMPORT = {"reference": "<import>"}  # a rejected import at the Shandong exam centre
MANAGE_JINAN = frozenset({"province_admin", "exam_centre_clerk", "jinan_clerk"})
CORRECT_JINAN = frozenset({"province_admin", "exam_centre_clerk"})  # the issuer's side
HOLDER = frozenset({"holder"})  # the holder of the Jinan credential
SEE_JINAN_CLERKS = frozenset({"province_admin", "jinan_clerk"})
PRINTED = {"reference": "<print>"}  # a finished print file made at the Jinan bureau
SEE_BATCH = MANAGE_JINAN | {"qingdao_clerk"}  # the batch has Jinan and Qingdao credentials
# City bureaus (and the province) approve the organisations registered with them.
MANAGE_ORGANISATIONS = frozenset({"province_admin", "jinan_clerk", "qingdao_clerk"})
CLERKS_WHO_DECIDE = MANAGE_ORGANISATIONS
# Bodies that approve titles record them; the province and cities also set region codes.
MANAGE_TITLES = CLERKS - {"exam_centre_clerk"}
SEE_COUNTY_TITLE = frozenset({"province_admin", "jinan_clerk", "county_clerk"})
SET_CODES = frozenset({"province_admin", "jinan_clerk", "qingdao_clerk"})
# Paper certificates handed out in Jinan: the city and the province mail them; other clerks who
# hand out paper are told "not found" (the exam centre that sent them on too); the institution
# clerk hands out none.
DISTRIBUTORS = CLERKS - {"institution_clerk"}
MAIL_JINAN = frozenset({"province_admin", "jinan_clerk"})
JINAN_PAPER = {"public_id": "<paper>"}
JINAN_MAIL_BATCH = {"reference": "<mail_batch>"}
# Paper certificates (issue 16): 张堃's is handed out in Jinan; the exam centre that sent it on
# sees it but hands out nothing; the institution's clerk hands out no paper at all.
PAPER_JINAN = frozenset({"province_admin", "jinan_clerk"})
PAPER_NOT_JINAN = CLERKS - PAPER_JINAN - {"institution_clerk"}
SD_PAPER = "<paper:2537010000000201>"
SD_COLLECTED = "<collected:2537010000000201>"
# Paper certificates (issue 16). An old-version certificate handed out by the Jinan bureau: its
# unit's scope and the exam centre that received it; the institution clerk hands out no paper.
OLD_PAPER = {"public_id": "<paper_old>"}
FORMS_JINAN = MANAGE_JINAN
FORMS_ELSEWHERE = CLERKS - FORMS_JINAN - {"institution_clerk"}
# Counter checks: every clerk who counter-verifies; a check made at the Jinan bureau.
COUNTER_CLERKS = frozenset(
    {"province_admin", "exam_centre_clerk", "jinan_clerk", "qingdao_clerk", "department_clerk"}
)
JINAN_CHECK = {"reference": "<counter_check>"}
CENTRE = frozenset({"province_admin", "exam_centre_clerk"})  # they record what arrives
SENT_UP = {"reference": "<sent_up>"}  # the cast holder's application, sent on to the exam centre


def portal(
    ok: frozenset[str] = HOLDER,
    *,
    ok_status: int = 200,
    not_found: frozenset[str] = frozenset(),
    **kwargs: str,
) -> Route:
    """A holder-portal page: anonymous visitors go to the portal's own sign-in page."""
    return Route(ok, not_found, kwargs, ok_status=ok_status, login="portal:login")


ROUTES: dict[str, Route] = {
    "backoffice:dashboard": Route(CLERKS | AUDITORS | SECURITY),
    "backoffice:authority_list": Route(CLERKS | AUDITORS | SECURITY),
    "backoffice:authority_detail": Route(
        SEE_JINAN, (CLERKS | AUDITORS | SECURITY) - SEE_JINAN, {"key": "sd-jinan"}
    ),
    "backoffice:catalogue": Route(CLERKS),
    "backoffice:qualification_detail": Route(CLERKS, kwargs={"key": "constructor"}),
    "backoffice:catalogue_list_detail": Route(CLERKS, kwargs={"key": "national-style-1"}),
    # The province administrator sets exam codes (issue 17); GET shows the page with the form.
    "backoffice:catalogue_exam_code": Route(
        frozenset({"province_admin"}), kwargs={"key": "constructor"}
    ),
    # The exam centre completes the applications sent up to it (issue 17): a Jinan application
    # the Shandong exam centre received; the POST-only routes answer a GET with 405.
    "backoffice:replacement_centre_list": Route(CENTRE),
    "backoffice:replacement_centre_detail": Route(CENTRE, kwargs=SENT_UP),
    "backoffice:replacement_centre_complete": Route(CENTRE, kwargs=SENT_UP, ok_status=405),
    "backoffice:replacement_centre_score_proof": Route(CENTRE, kwargs=SENT_UP, ok_status=405),
    "backoffice:credential_list": Route(CLERKS),
    "backoffice:credential_detail": Route(
        frozenset({"province_admin", "exam_centre_clerk", "jinan_clerk"}),
        frozenset({"qingdao_clerk", "county_clerk", "department_clerk", "institution_clerk"}),
        {"public_id": "<jinan>"},
    ),
    "backoffice:credential_proof": Route(ISSUERS, kwargs={"public_id": "<jinan>"}),
    # POST only: a GET is refused as a method (scope: tests/backoffice/test_credential_pages.py).
    "backoffice:credential_photo": Route(CLERKS, kwargs={"public_id": "<jinan>"}, ok_status=405),
    "backoffice:credential_status": Route(
        MANAGE_JINAN, (CLERKS - MANAGE_JINAN), {"public_id": "<jinan>"}
    ),
    # Only the authority that manages the data corrects it: not the registration city.
    "backoffice:credential_correct": Route(
        CORRECT_JINAN, (CLERKS - CORRECT_JINAN), {"public_id": "<jinan>"}
    ),
    "backoffice:credential_activation_code": Route(
        MANAGE_JINAN, (CLERKS - MANAGE_JINAN), {"public_id": "<jinan>"}
    ),
    "backoffice:credential_document": Route(
        frozenset({"province_admin", "jinan_clerk"}),
        frozenset(
            {
                "exam_centre_clerk",
                "qingdao_clerk",
                "county_clerk",
                "department_clerk",
                "institution_clerk",
            }
        ),
        {"public_id": "<signed>"},
    ),
    "backoffice:authority_seal": Route(frozenset({"province_admin"}), kwargs={"key": "sd-hrss"}),
    "backoffice:batch_print": Route(SEE_BATCH, CLERKS - SEE_BATCH, {"reference": "<batch>"}),
    "backoffice:print_file_list": Route(CLERKS),
    "backoffice:elicence_export": Route(CLERKS),
    "backoffice:print_file_detail": Route(SEE_JINAN_CLERKS, CLERKS - SEE_JINAN_CLERKS, PRINTED),
    "backoffice:print_file_progress": Route(SEE_JINAN_CLERKS, CLERKS - SEE_JINAN_CLERKS, PRINTED),
    "backoffice:print_file_download": Route(SEE_JINAN_CLERKS, CLERKS - SEE_JINAN_CLERKS, PRINTED),
    "backoffice:import_list": Route(ISSUERS),
    "backoffice:import_new": Route(ISSUERS),
    "backoffice:records_new": Route(ISSUERS),
    "backoffice:import_detail": Route(ISSUERS, kwargs=SD_IMPORT),
    "backoffice:import_progress": Route(ISSUERS, kwargs=SD_IMPORT),
    "backoffice:import_errors": Route(ISSUERS, kwargs=SD_IMPORT),
    "backoffice:audit_log": Route(AUDITORS),
    "backoffice:user_list": Route(SECURITY),
    "backoffice:user_new": Route(SECURITY),
    # A Henan account: the national security administrator manages it, Shandong's is told 404.
    "backoffice:user_detail": Route(NATIONAL_SECURITY, SD_SECURITY, HENAN_ACCOUNT),
    "backoffice:user_disable": Route(NATIONAL_SECURITY, SD_SECURITY, HENAN_ACCOUNT),
    "backoffice:user_password_reset": Route(NATIONAL_SECURITY, SD_SECURITY, HENAN_ACCOUNT),
    # POST only (scope: tests/backoffice/test_user_pages.py).
    "backoffice:user_enable": Route(SECURITY, kwargs=HENAN_ACCOUNT, ok_status=405),
    "backoffice:user_role_assign": Route(SECURITY, kwargs=HENAN_ACCOUNT, ok_status=405),
    "backoffice:user_role_revoke": Route(
        SECURITY, kwargs={**HENAN_ACCOUNT, "assignment": "1"}, ok_status=405
    ),
    "backoffice:password_change": Route(CLERKS | AUDITORS | SECURITY),
    "backoffice:organisation_list": Route(MANAGE_ORGANISATIONS),
    "backoffice:organisation_detail": Route(
        SEE_JINAN_CLERKS, CLERKS_WHO_DECIDE - SEE_JINAN_CLERKS, {"reference": "<organisation>"}
    ),
    "backoffice:title_list": Route(MANAGE_TITLES),
    "backoffice:title_new": Route(MANAGE_TITLES),
    "backoffice:title_import": Route(MANAGE_TITLES),
    "backoffice:title_reports": Route(MANAGE_TITLES),
    "backoffice:title_report_send": Route(MANAGE_TITLES, ok_status=405),  # POST only
    "backoffice:title_codes": Route(SET_CODES),
    "backoffice:title_round": Route(MANAGE_TITLES, ok_status=405),  # POST only
    "backoffice:title_detail": Route(
        SEE_COUNTY_TITLE, MANAGE_TITLES - SEE_COUNTY_TITLE, {"reference": "<title>"}
    ),
    "backoffice:title_pledge": Route(
        SEE_COUNTY_TITLE, MANAGE_TITLES - SEE_COUNTY_TITLE, {"reissue": "<reissue>"}
    ),
    "backoffice:paper_choose": Route(MAIL_JINAN, DISTRIBUTORS - MAIL_JINAN, JINAN_PAPER),
    "backoffice:mail_list": Route(DISTRIBUTORS),
    "backoffice:mail_export": Route(DISTRIBUTORS, ok_status=405),  # POST only
    "backoffice:mail_batch_list": Route(DISTRIBUTORS),
    "backoffice:mail_batch_detail": Route(MAIL_JINAN, DISTRIBUTORS - MAIL_JINAN, JINAN_MAIL_BATCH),
    "backoffice:mail_batch_download": Route(
        MAIL_JINAN, DISTRIBUTORS - MAIL_JINAN, JINAN_MAIL_BATCH
    ),
    "backoffice:mail_waybills": Route(DISTRIBUTORS),
    "backoffice:mail_tracking": Route(DISTRIBUTORS),
    "backoffice:mail_sync": Route(DISTRIBUTORS, ok_status=405),  # POST only
    "portal:paper_choose": portal(public_id="<paper>"),
    "backoffice:paper_collect": Route(PAPER_JINAN, PAPER_NOT_JINAN, {"public_id": SD_PAPER}),
    "backoffice:paper_receipt": Route(PAPER_JINAN, PAPER_NOT_JINAN, {"public_id": SD_COLLECTED}),
    "backoffice:paper_registration_form": Route(FORMS_JINAN, FORMS_ELSEWHERE, OLD_PAPER),
    "backoffice:paper_registration_form_pdf": Route(FORMS_JINAN, FORMS_ELSEWHERE, OLD_PAPER),
    "backoffice:counter_check_list": Route(COUNTER_CLERKS),
    "backoffice:counter_check_new": Route(COUNTER_CLERKS),
    "backoffice:counter_check_detail": Route(
        SEE_JINAN_CLERKS, COUNTER_CLERKS - SEE_JINAN_CLERKS, JINAN_CHECK
    ),
    "backoffice:counter_check_notice": Route(
        SEE_JINAN_CLERKS, COUNTER_CLERKS - SEE_JINAN_CLERKS, JINAN_CHECK
    ),
    "portal:credential_list": portal(),
    "portal:credential_detail": portal(public_id="<jinan>"),
    "portal:credential_download": portal(public_id="<jinan>"),
    "portal:credential_print": portal(public_id="<jinan>"),
    "portal:credential_ofd": portal(public_id="<sealed:jinan>"),
    "portal:credential_sd_jwt": portal(public_id="<jinan>"),
    "portal:scoped_copy_new": portal(public_id="<jinan>"),
    "portal:scoped_copy_download": portal(
        frozenset(), not_found=HOLDER, public_id="<jinan>", reference="NOSUCHCOPY"
    ),
    "portal:scoped_copy_print": portal(
        frozenset(), not_found=HOLDER, public_id="<jinan>", reference="NOSUCHCOPY"
    ),
    # Replacement in the portal (issue 17): the holder's paper certificate and application.
    "portal:replacement_apply": portal(public_id="<paper>"),
    "portal:replacement_list": portal(),
    "portal:replacement_detail": portal(reference="<application>"),
    "portal:replacement_withdraw": portal(ok_status=405, reference="<application>"),  # POST only
    "portal:credential_w3c_vc": portal(public_id="<signed>"),  # the holder's signed e-proof
}


# Paper certificates (issue 16): walked with the cast and the Henan staff the `paper` fixture
# adds, over a Shandong delivery whose certificate <paper> is handed out in Jinan.
PAPER_USERS = ("ha_centre_clerk", "ha_finance_clerk", "zhengzhou_finance_clerk")
DISTRIBUTORS = (CLERKS - {"institution_clerk"}) | frozenset(PAPER_USERS)
RECEIVERS = frozenset({"province_admin", "exam_centre_clerk", "ha_centre_clerk"})
SD_RECEIVERS = frozenset({"province_admin", "exam_centre_clerk"})
SEE_JINAN_PAPER = frozenset({"province_admin", "exam_centre_clerk", "jinan_clerk"})
PAPER_ROUTES: dict[str, Route] = {
    "backoffice:paper_list": Route(DISTRIBUTORS),
    "backoffice:paper_export": Route(DISTRIBUTORS),
    "backoffice:paper_overdue": Route(DISTRIBUTORS),
    "backoffice:paper_overdue_export": Route(DISTRIBUTORS),
    "backoffice:paper_detail": Route(
        SEE_JINAN_PAPER, DISTRIBUTORS - SEE_JINAN_PAPER, {"public_id": "<paper>"}
    ),
    "backoffice:paper_delivery_list": Route(RECEIVERS),
    "backoffice:paper_delivery_new": Route(RECEIVERS),
    "backoffice:paper_delivery_detail": Route(
        SD_RECEIVERS, RECEIVERS - SD_RECEIVERS, {"reference": "<delivery>"}
    ),
}


# Replacements at the level above (issue 17), walked with the Henan staff of the `paper` fixture
# over Jinan's submitted batch of 202611 and the dispatch of Qingdao's. Everyone who handles
# replacements gets the lists; what is about one batch or dispatch answers "not found" out of
# scope; a unit that gathers no batch has no aggregate and no dispatch form ("not found"); one
# that gathers but has nothing waiting is sent back to the list (302).
ABOVE_HANDLERS = DISTRIBUTORS | frozenset(PAPER_USERS)
ABOVE_SD = frozenset({"province_admin", "exam_centre_clerk"})  # sd-pta is in their scope
GATHERING = ABOVE_SD | {"department_clerk", "ha_centre_clerk", "ha_finance_clerk"}
JINAN_BATCH = ABOVE_SD | {"jinan_clerk"}  # the unit and the level above
POST_ONLY = dict.fromkeys(ABOVE_HANDLERS, 405)


REPLACEMENT_ROUTES: dict[str, tuple[dict[str, int], str]] = {
    "backoffice:replacement_province_batches": (dict.fromkeys(ABOVE_HANDLERS, 200), ""),
    "backoffice:replacement_province_errors": (dict.fromkeys(ABOVE_HANDLERS, 200), ""),
    "backoffice:replacement_province_dispatches": (dict.fromkeys(ABOVE_HANDLERS, 200), ""),
    "backoffice:replacement_province_dispatch_new": (
        {**dict.fromkeys(ABOVE_HANDLERS, 404), **dict.fromkeys(GATHERING, 200)},
        "",
    ),
    "backoffice:replacement_province_package": (
        {
            **dict.fromkeys(ABOVE_HANDLERS, 404),
            **dict.fromkeys(GATHERING, 302),
            **dict.fromkeys(ABOVE_SD, 200),
        },
        "",
    ),
    "backoffice:replacement_province_forms": (
        {
            **dict.fromkeys(ABOVE_HANDLERS, 404),
            **dict.fromkeys(GATHERING, 302),
            **dict.fromkeys(ABOVE_SD, 200),
        },
        "",
    ),
    "backoffice:replacement_province_batch": (
        {**dict.fromkeys(ABOVE_HANDLERS, 404), **dict.fromkeys(ABOVE_SD, 200)},
        "<jinan_batch>",
    ),
    "backoffice:replacement_province_batch_return": (POST_ONLY, "<jinan_batch>"),
    "backoffice:replacement_province_batch_error": (POST_ONLY, "<jinan_batch>"),
    "backoffice:replacement_province_dispatch": (
        {**dict.fromkeys(ABOVE_HANDLERS, 404), **dict.fromkeys(ABOVE_SD, 200)},
        "<dispatch>",
    ),
    "backoffice:replacement_batch_package": (
        {**dict.fromkeys(ABOVE_HANDLERS, 404), **dict.fromkeys(JINAN_BATCH, 200)},
        "<jinan_batch>",
    ),
    "backoffice:replacement_batch_forms": (
        {**dict.fromkeys(ABOVE_HANDLERS, 404), **dict.fromkeys(JINAN_BATCH, 200)},
        "<jinan_batch>",
    ),
}
# Replacements at the receiving unit (issue 17): walked with the paper cast over 张堃's
# application (with a photo and a form attached), received by Jinan and accepted into Jinan's
# batch of the month. The exam centre gathers and completes it, so it sees the application but
# not Jinan's own batch pages; every other clerk who handles replacements is told "not found".
HANDLERS = DISTRIBUTORS  # every clerk but the institution's, and the Henan staff
SEE_APPLICATION = frozenset({"province_admin", "exam_centre_clerk", "jinan_clerk"})
SEE_UNIT_BATCH = frozenset({"province_admin", "jinan_clerk"})
APPLICATION = {"reference": "<application>"}
UNIT_BATCH = {"reference": "<unit_batch>"}
REPLACEMENT_UNIT_ROUTES: dict[str, Route] = {
    "backoffice:replacement_list": Route(HANDLERS),
    "backoffice:replacement_new": Route(HANDLERS),
    "backoffice:replacement_detail": Route(
        SEE_APPLICATION, HANDLERS - SEE_APPLICATION, APPLICATION
    ),
    "backoffice:replacement_photo": Route(SEE_APPLICATION, HANDLERS - SEE_APPLICATION, APPLICATION),
    "backoffice:replacement_ministry_form": Route(
        SEE_APPLICATION, HANDLERS - SEE_APPLICATION, APPLICATION
    ),
    # POST only (scope: tests/backoffice/test_replacement_unit.py).
    "backoffice:replacement_accept": Route(HANDLERS, kwargs=APPLICATION, ok_status=405),
    "backoffice:replacement_return": Route(HANDLERS, kwargs=APPLICATION, ok_status=405),
    "backoffice:replacement_unit_batch_list": Route(HANDLERS),
    "backoffice:replacement_unit_batch_detail": Route(
        SEE_UNIT_BATCH, HANDLERS - SEE_UNIT_BATCH, UNIT_BATCH
    ),
    "backoffice:replacement_unit_batch_submit": Route(HANDLERS, kwargs=UNIT_BATCH, ok_status=405),
}


@dataclass(frozen=True)
class ApiRoute:
    """An API operation: `ok` get `status`; other signed-in members 403; anonymous callers 401."""

    method: str
    ok: frozenset[str]
    status: int = 200
    kwargs: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None  # for post_json; the pass-list body when None
    others: int = 403  # what a signed-in member outside `ok` gets


API_ROUTES: dict[str, ApiRoute] = {
    "api:passlist_push": ApiRoute("post_json", ISSUERS, 202),
    "api:passlist_upload": ApiRoute("post_file", ISSUERS, 202),
    "api:passlist_detail": ApiRoute("get", ISSUERS, kwargs=SD_IMPORT),
    "api:passlist_errors": ApiRoute("get", ISSUERS, kwargs=SD_IMPORT),
    # Not theirs and not there answer alike.
    "api:credential_status": ApiRoute(
        "post_json",
        MANAGE_JINAN,
        kwargs={"public_id": "<jinan>"},
        body={"status": "suspended", "reason": "核查中"},
        others=404,
    ),
}
# Routes whose answer does not depend on who asks (checked in their own tests below).
SPECIAL = {
    "home",
    "backoffice:login",
    "backoffice:logout",
    "set_language",
    "api:api-root",
    "api:openapi-json",
    "api:openapi-view",
    "portal:login",
    "portal:logout",
    "portal:activate",
    # Signing in through the government service: tested in tests/oidc against a real provider.
    "portal:oidc_start",
    "portal:oidc_callback",
    "portal:oidc_refused",
}
BAD_LIST = (
    "ZSGLH,KSXM,ZJHM,BKJB,BKZY,PZRQ,BMS\r\n"
    "坏管理号,张三,110101199001011234,一级,建筑工程,2025-09-01,济南市\r\n"
).encode()


@pytest.fixture
def sd_import(world: World, settings: Any, tmp_path: Path, issuing_keys: Any) -> str:
    """A pass list with one bad row, imported at the Shandong exam centre: rejected, with its
    error workbook."""
    settings.ECERT_DATA_DIR = tmp_path / "data"
    job = passlist_import_create(
        actor=None,
        authority=Authority.objects.get(key="sd-pta"),
        qualification=Qualification.objects.get(key="constructor"),
        file_name="名单.csv",
        chunks=[BAD_LIST],
    )
    job = passlist_import_run(import_id=job.pk)
    assert (job.state, bool(job.error_workbook)) == ("rejected", True), job.message
    return job.reference


@pytest.fixture
def jinan_signed(world: World, settings: Any, tmp_path: Path, issuing_keys: Any) -> str:
    """A signed Shandong e-proof registered in Jinan (the province's HR department signs it)."""
    settings.ECERT_DATA_DIR = tmp_path / "data"
    return signed_proof(world, "jinan", "2025370100009999").public_id


@pytest.fixture
def sd_batch_reference(world: World, settings: Any, tmp_path: Path, issuing_keys: Any) -> str:
    """An issuance batch of the Shandong exam centre with Jinan and Qingdao credentials."""
    settings.ECERT_DATA_DIR = tmp_path / "data"
    return import_signed_batch(tmp_path).reference


@pytest.fixture
def jinan_print_file(world: World, settings: Any, tmp_path: Path, issuing_keys: Any) -> str:
    """A print file of the Jinan credentials of a batch, made by the Jinan clerk, finished."""
    settings.ECERT_DATA_DIR = tmp_path / "data"
    job = print_file_create(
        actor=world.user("jinan_clerk"),
        authority=Authority.objects.get(key="sd-jinan"),
        batch=import_signed_batch(tmp_path),
        now=datetime(2026, 11, 24, tzinfo=UTC),
    )
    assert print_file_run(job.pk).state == "completed"
    return job.reference


@pytest.fixture
def county_title(world: World) -> str:
    """A title approved by the county bureau below Jinan, recorded by its clerk."""
    code_tables_load(actor=None, tables=load_code_tables())
    return record(world, "sd-jinan-lixia", actor="county_clerk").reference


@pytest.fixture
def county_reissue(world: World, request: pytest.FixtureRequest) -> str:
    """A reissue application for a paper title certificate the county bureau issued."""
    Authority.objects.filter(key="sd-jinan-lixia").update(region_department_code="01102")
    request.getfixturevalue("title_keys")  # keys are made after the code, so the county signs
    approval = record(world, "sd-jinan-lixia", actor="county_clerk", form=CredentialForm.PAPER)
    certificate = title_certificate_issue(actor=None, approval=approval, now=NOW)
    return submit(world, certificate, actor="county_clerk").reference


@pytest.fixture
def jinan_paper(request: pytest.FixtureRequest) -> str:
    """The cast holder's paper certificate, delivered and assigned to the Jinan bureau."""
    deliver(request.getfixturevalue("paper"))
    return PaperCertificate.objects.get(
        credential__management_number="2537010000000201"
    ).credential.public_id


@pytest.fixture
def jinan_mail_batch(world: World, jinan_paper: str) -> str:
    """The Jinan bureau's orders of the day, with the cast holder's certificate in them."""
    certificate = PaperCertificate.objects.get(credential__public_id=jinan_paper)
    paper_choose(
        actor=world.users["holder"],
        certificate=certificate,
        method=Method.MAIL,
        address=MailAddress("张堃", "13800001111", "山东省济南市历下区泉城路 1 号"),
        now=NOW,
    )
    return mail_orders_export(
        actor=world.users["jinan_clerk"],
        unit=Authority.objects.get(key="sd-jinan"),
        sender_phone="053186000000",
        sender_address="济南市市中区纬二路 1 号",
        now=NOW,
    ).reference


@pytest.fixture
def paper_old(request: pytest.FixtureRequest) -> str:
    """An old-version certificate (孙芸's) handed out by the Jinan bureau."""
    world_of_paper = request.getfixturevalue("paper")
    deliver(world_of_paper, edition=Edition.OLD)
    return str(world_of_paper.record("2537010000000203").public_id)


@pytest.fixture
def counter_check(request: pytest.FixtureRequest) -> str:
    """A counter check the Jinan clerk made for an organisation."""
    world_of_paper = request.getfixturevalue("paper")
    unit = request.getfixturevalue("jinan_seals")
    return counter_check_record(
        actor=world_of_paper.users["jinan_clerk"],
        unit=unit,
        organisation=OrganisationFacts("济南某建筑公司", EMPLOYER_CREDIT_CODE, "刘工"),
        presented=Presented(
            "2537010000000203", "孙芸", sd_id(203), world_of_paper.sd, "一级", SD_APPROVED
        ),
        now=datetime(2026, 11, 20, tzinfo=UTC),
    ).reference


@pytest.fixture
def holder_application(request: pytest.FixtureRequest) -> str:
    """The cast holder's replacement application for their paper certificate, made online."""
    records: Paper = request.getfixturevalue("paper")
    record = records.record("2537010000000201")
    return application_submit(
        actor=records.users["holder"],
        credential=record,
        form=holder_input(record, work_need="投标须出示纸质证书原件"),
    ).reference


def _sent_up(request: pytest.FixtureRequest) -> str:
    from tests.replacement.centre import WORK_NEED, sent_on
    from tests.replacement.conftest import apply

    records: Paper = request.getfixturevalue("paper")
    application = apply(records, records.users["holder"], work_need=WORK_NEED)
    return sent_on(records, application).reference


def _kwargs(
    route_kwargs: dict[str, str], world: World, request: pytest.FixtureRequest
) -> dict[str, str]:
    kwargs = {}
    for key, value in route_kwargs.items():
        if value == "<import>":
            kwargs[key] = request.getfixturevalue("sd_import")
        elif value == "<signed>":
            kwargs[key] = request.getfixturevalue("jinan_signed")
        elif value == "<batch>":
            kwargs[key] = request.getfixturevalue("sd_batch_reference")
        elif value == "<print>":
            kwargs[key] = request.getfixturevalue("jinan_print_file")
        elif value == "<organisation>":
            kwargs[key] = request.getfixturevalue("employer_organisation").reference
        elif value == "<title>":
            kwargs[key] = request.getfixturevalue("county_title")
        elif value == "<reissue>":
            kwargs[key] = request.getfixturevalue("county_reissue")
        elif value == "<paper>":
            kwargs[key] = request.getfixturevalue("jinan_paper")
        elif value == "<mail_batch>":
            kwargs[key] = request.getfixturevalue("jinan_mail_batch")
        elif value.startswith(("<paper:", "<collected:")):
            kwargs[key] = _paper_public_id(value, request)
        elif value == "<application>":
            kwargs[key] = request.getfixturevalue("holder_application")
        elif value == "<sent_up>":
            kwargs[key] = _sent_up(request)
        elif value.startswith("<sealed:"):
            electronic_seals_made()
            kwargs[key] = world.credentials[value[len("<sealed:") : -1]].public_id
        elif value in ("<paper_old>", "<counter_check>"):
            kwargs[key] = request.getfixturevalue(value[1:-1])
        elif value.startswith("<"):
            kwargs[key] = world.credentials[value[1:-1]].public_id
        else:
            kwargs[key] = value
    return kwargs


# Who collects each paper certificate of the walk, and with which ID card.
_COLLECTORS: dict[str, tuple[str, str, str | None]] = {
    "2537010000000201": ("jinan_clerk", "张堃", None),
    "2541010000000301": ("zhengzhou_finance_clerk", "赵昇", ZHAO_SHENG_ID),
}


def _paper_public_id(marker: str, request: pytest.FixtureRequest) -> str:
    """``<paper:N>``: the public id of paper certificate N of the `paper` fixture, delivered;
    ``<collected:N>``: the same, collected at the counter by its unit's clerk."""
    kind, number = marker[1:-1].split(":")
    records: Paper = request.getfixturevalue("paper")
    if not PaperCertificate.objects.exists():
        deliver(records)
        deliver(records, henan=True)
    certificate = records.certificate(number)
    if kind == "collected" and certificate.state != "handed_over":
        who, name, id_number = _COLLECTORS[number]
        paper_collect(
            actor=records.users[who],
            certificate=certificate,
            evidence=evidence(name, id_number) if id_number else evidence(),
            now=datetime(2026, 11, 20, 2, 30, tzinfo=UTC),
        )
    return certificate.credential.public_id


def _route_names(patterns: list[URLPattern | URLResolver], prefix: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _route_names(pattern.url_patterns, namespace)
        elif pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_route_is_in_the_table() -> None:
    verification = (
        set(PUBLIC_PAGES) | set(PUBLIC_API) | set(ORGANISATION_PAGES) | SIGN_OUT | PUBLIC_POSTS
    )
    assert (
        _route_names(get_resolver().url_patterns)
        == set(ROUTES)
        | set(PAPER_ROUTES)
        | set(REPLACEMENT_ROUTES)
        | set(REPLACEMENT_UNIT_ROUTES)
        | set(API_ROUTES)
        | SPECIAL
        | verification
    )


def _expected(route: Route, who: str) -> int:
    if who == "anonymous":
        return 302
    if who in route.ok:
        return route.ok_status
    return 404 if who in route.not_found else 403


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_answers_each_member_of_the_cast(
    world: World, client: Client, name: str, request: pytest.FixtureRequest
) -> None:
    """One route, every member of the cast in turn over one world (building the world is the
    costly part), then an anonymous visitor, who is sent to the route's sign-in page."""
    route = ROUTES[name]
    url = reverse(name, kwargs=_kwargs(route.kwargs, world, request))
    _answers_each(client, url, route, world.users, CAST)


def _answers_each(
    client: Client, url: str, route: Route, users: dict[str, Any], cast: Iterable[str]
) -> None:
    """Each member of ``cast`` signed in, then nobody, GETs ``url``: every answer is the one
    ``route`` expects (compared all at once, so a failure names every member it is wrong for)."""
    got: dict[str, int] = {}
    for who in cast:
        client.force_login(users[who])
        got[who] = client.get(url).status_code
    client.logout()
    anonymous = client.get(url)
    got["anonymous"] = anonymous.status_code
    assert got == {who: _expected(route, who) for who in got}
    assert anonymous["Location"].startswith(reverse(route.login))


@pytest.mark.parametrize("name", sorted(PAPER_ROUTES))
def test_paper_route_answers_each_member_of_the_cast(
    paper: Paper, own_storage: Any, client: Client, name: str
) -> None:
    route = PAPER_ROUTES[name]
    delivery = deliver(paper)
    places = {
        "<paper>": paper.record("2537010000000201").public_id,
        "<delivery>": delivery.reference,
    }
    kwargs = {key: places.get(value, value) for key, value in route.kwargs.items()}
    _answers_each(client, reverse(name, kwargs=kwargs), route, paper.users, [*CAST, *PAPER_USERS])


@pytest.mark.parametrize("name", sorted(REPLACEMENT_ROUTES))
def test_replacement_route_answers_each_member_of_the_cast(
    paper: Paper, client: Client, name: str
) -> None:
    """One route, every member of the cast and the Henan staff in turn (the batches are made
    once): handlers get their answer, other signed-in users 403, anonymous ones the login."""
    answers, marker = REPLACEMENT_ROUTES[name]
    places = _replacement_places(paper)
    kwargs = {"reference": places[marker]} if marker else {}
    url = reverse(name, kwargs=kwargs)
    got: dict[str, int] = {}
    for who in [*CAST, *PAPER_USERS]:
        client.force_login(paper.users[who])
        got[who] = client.get(url).status_code
    client.logout()
    anonymous = client.get(url)
    expected = {who: answers.get(who, 403) for who in got}
    assert got == expected, name
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("backoffice:login"))


def _replacement_places(paper: Paper) -> dict[str, str]:
    """Jinan's batch of 202611 submitted (the holder's application), Qingdao's sent on by the
    exam centre."""
    from ecert.replacement.services import (
        DispatchInput,
        application_accept,
        batch_submit,
        dispatch_record,
    )
    from tests.replacement.conftest import APPLIED, apply

    users = paper.users
    need = "投标须出示纸质证书原件"
    batches = {}
    for who, applicant, number in (
        ("jinan_clerk", "holder", "2537010000000201"),
        ("qingdao_clerk", "qingdao_clerk", "2537020000000202"),
    ):
        application = apply(paper, users[applicant], number, work_need=need)
        batch = application_accept(actor=users[who], application=application, now=APPLIED).batch
        assert batch is not None
        batches[who] = batch_submit(actor=users[who], batch=batch, now=APPLIED)
    dispatch = dispatch_record(
        actor=users["exam_centre_clerk"],
        authority=Authority.objects.get(key="sd-pta"),
        form=DispatchInput(
            month="202611",
            batches=[batches["qingdao_clerk"]],
            paper_mailed_on=APPLIED.date(),
            data_uploaded_on=None,
        ),
        now=APPLIED,
    )
    return {"<jinan_batch>": batches["jinan_clerk"].reference, "<dispatch>": dispatch.reference}


def _jinan_application(paper: Paper) -> Application:
    """张堃's application, with a photo and an attached form, accepted by the Jinan clerk."""
    from tests.photos import id_photo
    from tests.replacement.conftest import APPLIED, apply

    application = apply(
        paper,
        paper.users["holder"],
        work_need="投标须出示纸质证书原件",
        photo=id_photo(),
        photo_name="张堃.jpg",
        ministry_form=id_photo(),
        ministry_form_name="申请表.jpg",
    )
    return application_accept(
        actor=paper.users["jinan_clerk"], application=application, now=APPLIED
    )


@pytest.mark.parametrize("name", sorted(REPLACEMENT_UNIT_ROUTES))
def test_replacement_unit_route_answers_each_member_of_the_cast(
    paper: Paper, client: Client, name: str
) -> None:
    """One route, every member of the cast and the Henan staff in turn over one application
    (made once: the fixture is the costly part), then an anonymous visitor."""
    route = REPLACEMENT_UNIT_ROUTES[name]
    application = _jinan_application(paper)
    assert application.batch is not None
    places = {"<application>": application.reference, "<unit_batch>": application.batch.reference}
    kwargs = {key: places.get(value, value) for key, value in route.kwargs.items()}
    _answers_each(client, reverse(name, kwargs=kwargs), route, paper.users, [*CAST, *PAPER_USERS])


@pytest.mark.parametrize("who", [*CAST, "anonymous"])
@pytest.mark.parametrize("name", sorted(API_ROUTES))
def test_api_route_answers_each_member_of_the_cast(
    world: World, client: Client, name: str, who: str, request: pytest.FixtureRequest
) -> None:
    route = API_ROUTES[name]
    url = reverse(name, kwargs=_kwargs(route.kwargs, world, request))
    if who != "anonymous":
        client.force_login(world.users[who])
    fields = {"exam": "constructor", "authority": "sd-pta"}
    if route.method == "post_json":
        body = route.body or {**fields, "rows": [{"ZSGLH": "A1234567", "KSXM": "张三"}]}
        response = client.post(url, body, content_type="application/json")
    elif route.method == "post_file":
        upload = SimpleUploadedFile("名单.csv", BAD_LIST, content_type="text/csv")
        response = client.post(url, {**fields, "file": upload})
    else:
        response = client.get(url)
    expected = 401 if who == "anonymous" else route.status if who in route.ok else route.others
    assert response.status_code == expected, (name, who, response.content[:300])
    if expected >= 400:
        assert set(response.json()) >= {"code", "message_zh", "message_en"}


def test_api_documentation_is_public(client: Client) -> None:
    assert client.get(reverse("api:openapi-view")).status_code == 200
    schema = client.get(reverse("api:openapi-json")).json()
    assert "/api/v1/passlists" in schema["paths"]
    assert client.get(reverse("api:api-root")).status_code == 404


def _without_csrf(body: bytes) -> bytes:
    """Each page carries a fresh CSRF token and echoes its own URL for the language switch."""
    return re.sub(rb'name="(csrfmiddlewaretoken|next)" (type="hidden" )?value="[^"]+"', b"", body)


def test_missing_credential_answers_like_one_out_of_scope(world: World, client: Client) -> None:
    client.force_login(world.users["qingdao_clerk"])
    theirs_elsewhere = client.get(
        reverse("backoffice:credential_detail", args=[world.credentials["jinan"].public_id])
    )
    missing = client.get(reverse("backoffice:credential_detail", args=["0000000000000000"]))
    assert theirs_elsewhere.status_code == missing.status_code == 404
    assert _without_csrf(theirs_elsewhere.content) == _without_csrf(missing.content)


def test_home_sends_everyone_to_the_back_office(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:dashboard")


def test_login_page_is_public_and_signed_in_users_skip_it(world: World, client: Client) -> None:
    assert client.get(reverse("backoffice:login")).status_code == 200
    client.force_login(world.users["jinan_clerk"])
    assert client.get(reverse("backoffice:login")).status_code == 302


def test_logout_needs_post(world: World, client: Client) -> None:
    client.force_login(world.users["jinan_clerk"])
    assert client.get(reverse("backoffice:logout")).status_code == 405
    assert client.post(reverse("backoffice:logout")).status_code == 302
    assert client.get(reverse("backoffice:dashboard")).status_code == 302


def test_language_switch_needs_post_and_keeps_the_page(client: Client) -> None:
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/backoffice/login/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/login/"
    assert "Sign in" in client.get("/backoffice/login/").content.decode()


@pytest.mark.parametrize("who", [*CAST, "anonymous"])
def test_django_admin_is_for_the_superuser_only(world: World, client: Client, who: str) -> None:
    if who != "anonymous":
        client.force_login(world.users[who])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("who", ["jinan_clerk", "qingdao_clerk", "auditor", "holder", "anonymous"])
def test_only_a_clerk_managing_the_credential_issues_an_activation_code(
    world: World, client: Client, who: str
) -> None:
    if who != "anonymous":
        client.force_login(world.users[who])
    url = reverse(
        "backoffice:credential_activation_code", args=[world.credentials["jinan"].public_id]
    )

    response = client.post(url)

    expected = {"jinan_clerk": 200, "qingdao_clerk": 404, "anonymous": 302}.get(who, 403)
    assert response.status_code == expected
    assert ActivationCode.objects.exists() == (who == "jinan_clerk")


def test_portal_sign_in_and_activation_are_public(world: World, client: Client) -> None:
    assert client.get(reverse("portal:login")).status_code == 200
    assert client.get(reverse("portal:activate")).status_code == 200
    client.force_login(world.users["holder"])
    assert client.get(reverse("portal:login"))["Location"] == reverse("portal:credential_list")


def test_portal_sign_out_needs_post(world: World, client: Client) -> None:
    client.force_login(world.users["holder"])
    assert client.get(reverse("portal:logout")).status_code == 405
    assert client.post(reverse("portal:logout"))["Location"] == reverse("portal:login")


# Henan's paper staff (added by the `paper` fixture) on the paper routes: each unit's clerk gets
# its own certificates; the exam centre that sent them on, and the other units, are told 404.
HENAN_PAPER_STAFF = ("ha_centre_clerk", "ha_finance_clerk", "zhengzhou_finance_clerk")
HENAN_PAPER_WALK: list[tuple[str, str, frozenset[str]]] = [
    (
        "backoffice:paper_collect",
        "<paper:2541010000000301>",
        frozenset({"zhengzhou_finance_clerk"}),
    ),
    ("backoffice:paper_collect", "<paper:2541020000000302>", frozenset({"ha_finance_clerk"})),
    ("backoffice:paper_collect", SD_PAPER, frozenset()),
    (
        "backoffice:paper_receipt",
        "<collected:2541010000000301>",
        frozenset({"zhengzhou_finance_clerk"}),
    ),
    ("backoffice:paper_receipt", SD_COLLECTED, frozenset()),
]


@pytest.mark.parametrize("who", HENAN_PAPER_STAFF)
@pytest.mark.parametrize(("name", "marker", "ok"), HENAN_PAPER_WALK)
def test_paper_route_answers_henan_paper_staff(
    client: Client,
    name: str,
    marker: str,
    ok: frozenset[str],
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    public_id = _paper_public_id(marker, request)
    client.force_login(request.getfixturevalue("paper").users[who])
    response = client.get(reverse(name, kwargs={"public_id": public_id}))
    assert response.status_code == (200 if who in ok else 404), (name, marker, who)
