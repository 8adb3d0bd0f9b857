"""One answer as the pages show it and as the API sends it: the two fast writers of an answer
(ecert.public.answer_html, ecert.api.verification_schemas.answer_json) against what a reader
sees, and against the schema the API documents."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.utils.translation import override

from ecert.api.verification_schemas import AnswerOut, answer_json, answer_out
from ecert.core.formats.verify import Check, Outcome, Verdict
from ecert.core.rules.kinds import CredentialKind
from ecert.public.answer_html import answer_html, landing_html
from ecert.titles.selectors import NumberReading
from ecert.verification.answers import Answer, Facts

CHECKS = (
    Check("integrity", Outcome.PASS, "ok"),
    Check("signer", Outcome.FAIL, "issuer_mismatch"),
    Check("status", Outcome.UNKNOWN, "no_status_list"),
    Check("validity", Outcome.PASS, "ok"),
    Check("holder", Outcome.UNKNOWN, "not_asked"),
)
FACTS = Facts(
    public_id="KH4P5H8V28J0VC2R",
    kind=CredentialKind.NATIONAL_CERTIFICATE,
    holder_name="张*",
    id_number="3701**********1234",
    qualification="一级建造师",
    level="一级",
    specialty="建筑工程",
    approval_date=date(2024, 1, 2),
    number="0123<script>",
    issue_date=date(2024, 2, 3),
    issuer='山东省人力资源和社会保障厅 "&"',
    issuer_key="shandong",
    valid_until=date(2027, 1, 1),
    purpose="投标使用",
    interim_ended_on=date(2025, 5, 5),
)
TITLE = Facts(
    public_id="T0000000000000000",
    kind=CredentialKind.TITLE_CERTIFICATE,
    holder_name="李*",
    id_number="3701**********0000",
    qualification="高级工程师",
    level="",
    specialty="",
    approval_date=date(2024, 1, 2),
    number="2024370100220001基层",
    issue_date=date(2024, 2, 3),
    issuer="济南市人力资源和社会保障局",
    issuer_key="",
    reading=NumberReading(2024, "3701", "济南市人社局", "22", "", 1, True),
)


def _answers() -> list[Answer]:
    answers = [Answer(verdict, CHECKS, FACTS) for verdict in Verdict]
    answers += [
        Answer(Verdict.NOT_GENUINE, (Check("integrity", Outcome.FAIL, "malformed_not_cbor"),)),
        Answer(Verdict.SUPERSEDED, CHECKS, FACTS, replaced_by="2025370100009999"),
        Answer(Verdict.VALID, CHECKS, TITLE),
    ]
    return answers


@pytest.mark.parametrize("answer", _answers(), ids=lambda a: a.verdict.value)
def test_the_api_sends_the_schemas_json_byte_for_byte(answer: Answer) -> None:
    fast = answer_json(answer)

    assert fast == answer_out(answer).model_dump_json().encode()
    assert AnswerOut.model_validate_json(fast) == answer_out(answer)


def test_the_api_sends_chinese_as_characters_and_dates_as_iso() -> None:
    sent = answer_json(Answer(Verdict.VALID, CHECKS, FACTS))

    assert "真实有效".encode() in sent
    body = json.loads(sent)
    assert body["facts"]["issue_date"] == "2024-02-03"
    assert body["facts"]["interim_note_zh"]


def test_values_are_shown_as_text_never_as_markup() -> None:
    with override("zh-hans"):
        page = str(answer_html(Answer(Verdict.VALID, CHECKS, FACTS)))

    assert "<script>" not in page
    assert "0123&lt;script&gt;" in page
    assert "山东省人力资源和社会保障厅 &quot;&amp;&quot;" in page


def test_a_chinese_page_reads_chinese_with_english_beneath() -> None:
    with override("zh-hans"):
        page = str(landing_html(Answer(Verdict.REVOKED, CHECKS, FACTS)))

    assert '<h1 data-testid="verdict-text">真实，已撤销</h1>' in page
    assert '<p class="en" lang="en">Genuine, but revoked</p>' in page
    assert "发证机构已撤销该证书，该证书无效。" in page
    assert "<dt>持证人</dt>" in page
    assert "签名完好，内容未被改动" in page
    assert "请将上述信息与对方出示的证书逐项核对" in page


def test_an_english_page_reads_english_with_chinese_beneath() -> None:
    with override("en"):
        page = str(answer_html(Answer(Verdict.SUPERSEDED, CHECKS, FACTS, "2025370100009999")))

    assert '<h1 data-testid="verdict-text">Genuine, but replaced' in page
    assert '<p class="en" lang="en">真实，已换发新证书</p>' in page
    assert "Replaced by № 2025370100009999." in page
    assert "The signature holds: nothing was altered" in page


def test_a_title_number_is_read_into_its_parts() -> None:
    with override("zh-hans"):
        page = str(answer_html(Answer(Verdict.VALID, CHECKS, TITLE)))

    assert "2024 年度评审通过" in page
    assert "济南市人社局核准公布（代码 3701）" in page
    assert "基层" in page
    assert 'class="seal"' not in page  # no authority key, no seal picture


def test_a_code_that_is_not_genuine_shows_no_facts_and_no_advice() -> None:
    answer = Answer(Verdict.NOT_GENUINE, (Check("integrity", Outcome.FAIL, "malformed_not_cbor"),))
    with override("zh-hans"):
        page = str(landing_html(answer))

    assert 'data-verdict="not_genuine"' in page
    assert "facts" not in page
    assert "逐项核对" not in page
    assert "码的内容格式不正确" in page
