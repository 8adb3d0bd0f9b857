"""The back office's e-licence export page: a clerk chooses what goes in and downloads the zip;
an empty selection is told on the page in Chinese; another authority is not offered."""

from __future__ import annotations

import io
import json
import zipfile

from django.test import Client
from django.urls import reverse

from ecert.audit.models import AuditEvent
from ecert.credentials.models import IssuanceBatch
from tests.conftest import World
from tests.documents.conftest import document_storage as document_storage  # autouse: own files
from tests.documents.conftest import sd_batch as sd_batch

PAGE = "backoffice:elicence_export"


def test_a_clerk_downloads_the_zip_of_a_batch_from_the_navigation(
    world: World, client: Client, sd_batch: IssuanceBatch
) -> None:
    client.force_login(world.users["exam_centre_clerk"])
    dashboard = client.get(reverse("backoffice:dashboard")).content.decode()
    assert reverse(PAGE) in dashboard
    page = client.get(reverse(PAGE))
    assert page.status_code == 200
    assert "电子证照平台交换导出" in page.content.decode()

    response = client.post(
        reverse(PAGE),
        {"authority": "sd-pta", "kind": "", "batch": sd_batch.reference},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="elicence-sd-pta-')
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["counts"]["credentials"] == 5
    assert manifest["selection"]["issuanceBatch"] == sd_batch.reference
    event = AuditEvent.objects.get(action="elicence.exported")
    assert event.actor == world.users["exam_centre_clerk"]


def test_an_empty_selection_is_told_on_the_page(
    world: World, client: Client, sd_batch: IssuanceBatch
) -> None:
    client.force_login(world.users["exam_centre_clerk"])
    response = client.post(
        reverse(PAGE),
        {"authority": "sd-pta", "issued_from": "2001-01-01", "issued_to": "2001-01-31"},
    )
    assert response.status_code == 200
    assert "所选范围内没有可导出的电子证照" in response.content.decode()
    assert not AuditEvent.objects.filter(action="elicence.exported").exists()


def test_another_provinces_clerk_is_not_offered_the_exam_centre(
    world: World, client: Client, sd_batch: IssuanceBatch
) -> None:
    client.force_login(world.users["department_clerk"])
    page = client.get(reverse(PAGE)).content.decode()
    assert 'value="sd-pta"' not in page
    response = client.post(reverse(PAGE), {"authority": "sd-pta"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    mine = client.post(reverse(PAGE), {"authority": "ha-housing", "batch": sd_batch.reference})
    assert f"没有签发批次 {sd_batch.reference}" in mine.content.decode()
