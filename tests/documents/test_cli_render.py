"""`ecert demo` then `ecert render`, as real processes: the demo's credentials are signed and
sealed on the face of the list each was issued under; an unknown one and a bad option are refused."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.ecert_command import run_ecert

# One demo credential of each of the demo's lists (and a title certificate): public id, holder.
LISTED = """
import json
from ecert.credentials.models import Credential
chosen = {}
for c in Credential.objects.select_related("holder").order_by("id"):
    chosen.setdefault(c.template, [c.public_id, c.holder_name])
print(json.dumps(chosen, ensure_ascii=False))
"""
TITLES = {
    "shandong-exam-proof": "全国专业技术人员职业资格考试合格证明（山东）",
    "national-style-1": "专业技术人员职业资格证书",
    "henan-provincial-certificate": "河南省",
    "": "职称证书",  # the demo's title certificates have no catalogue list
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    data = tmp_path_factory.mktemp("demo")
    made = run_ecert(data, "demo", "--no-serve", "--holders", "6")
    assert made.returncode == 0, made.stderr + made.stdout
    assert "demo credentials issued: 6" in made.stdout
    assert f"demo title certificates: 鲁{date.today().year - 1 - 2000}14020012" in made.stdout
    listed = run_ecert(data, "manage", "shell", "-c", LISTED)
    assert listed.returncode == 0, listed.stderr
    return data, json.loads(listed.stdout.strip().splitlines()[-1])


def _poppler(tool: str, *args: str | Path) -> str:
    path = shutil.which(tool)
    assert path is not None, f"{tool} is missing: apt-get install poppler-utils"
    done = subprocess.run(  # noqa: S603 - a fixed tool with file arguments, no shell
        [path, *map(str, args)], capture_output=True, text=True, check=False
    )
    return done.stdout


@pytest.mark.parametrize("template", sorted(TITLES))
def test_each_demo_list_renders_a_sealed_pdf_on_its_face(
    demo: tuple[Path, dict[str, list[str]]], template: str, tmp_path: Path
) -> None:
    data, chosen = demo
    public_id, name = chosen[template]
    out = tmp_path / "out.pdf"

    rendered = run_ecert(data, "render", public_id, "-o", str(out))
    text = "".join(_poppler("pdftotext", out, "-").split())

    assert rendered.returncode == 0, rendered.stderr
    assert TITLES[template] in text
    assert name in text
    assert "Signature is Valid." in _poppler("pdfsig", out)


def test_an_unknown_credential_exits_2(demo: tuple[Path, dict[str, list[str]]]) -> None:
    refused = run_ecert(demo[0], "render", "NOSUCHCREDENTIAL", "-o", "/dev/null")

    assert refused.returncode == 2
    assert "NOSUCHCREDENTIAL" in refused.stderr


def test_a_purpose_without_a_last_day_exits_2(
    demo: tuple[Path, dict[str, list[str]]], tmp_path: Path
) -> None:
    public_id = demo[1]["national-style-1"][0]

    refused = run_ecert(
        demo[0], "render", public_id, "--purpose", "入职", "-o", str(tmp_path / "x")
    )

    assert refused.returncode == 2
    assert "--until" in refused.stderr
    assert not (tmp_path / "x").exists()


def _ofd_text(path: Path) -> tuple[list[str], str]:
    """The structure problems of the OFD at ``path`` and all the text its page prints."""
    import zipfile

    from lxml import etree

    from ecert.core.documents.ofd import NS
    from ecert.core.documents.ofd_check import check_package

    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    page = etree.fromstring(files["Doc_0/Pages/Page_0/Content.xml"])
    text = "".join(code.text or "" for code in page.iterfind(".//{%s}TextCode" % NS))  # noqa: UP031
    return check_package(files), text


@pytest.mark.parametrize("template", sorted(TITLES))
def test_each_demo_list_renders_an_ofd_with_the_holders_name(
    demo: tuple[Path, dict[str, list[str]]], template: str, tmp_path: Path
) -> None:
    data, chosen = demo
    public_id, name = chosen[template]
    out = tmp_path / "out.ofd"
    result = run_ecert(data, "render", public_id, "--format", "ofd", "-o", str(out))
    assert result.returncode == 0, result.stderr + result.stdout
    problems, text = _ofd_text(out)
    assert problems == []
    assert name in text
    assert TITLES[template].replace(" ", "") in "".join(text.split())


def test_a_samples_ofd_is_written(demo: tuple[Path, dict[str, list[str]]], tmp_path: Path) -> None:
    data, _ = demo
    out = tmp_path / "sample.ofd"
    args = ("render", "--sample", "national-style-1", "--format", "ofd", "-o", str(out))
    result = run_ecert(data, *args)
    assert result.returncode == 0, result.stderr + result.stdout
    problems, text = _ofd_text(out)
    assert problems == []
    assert "张堃" in text


def test_an_unknown_format_exits_2(demo: tuple[Path, dict[str, list[str]]]) -> None:
    data, _ = demo
    result = run_ecert(data, "render", "--sample", "national-style-1", "--format", "docx")
    assert result.returncode == 2
    assert "pdf or ofd" in result.stdout + result.stderr


def test_a_scoped_copy_is_not_made_as_ofd(demo: tuple[Path, dict[str, list[str]]]) -> None:
    data, chosen = demo
    public_id, _ = chosen["national-style-1"]
    args = (
        "render",
        public_id,
        "--format",
        "ofd",
        "--purpose",
        "办理执业注册",
        "--until",
        "2027-06-30",
    )
    result = run_ecert(data, *args)
    assert result.returncode == 2
    assert "PDF only" in result.stdout + result.stderr
