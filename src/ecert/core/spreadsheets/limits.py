"""How much text a spreadsheet may unpack to, so that a small file cannot take the machine.

An .xlsx is a zip: ten megabytes can inflate to gigabytes (a "zip bomb"), and the shared-strings
table, which every reader holds whole in memory, can hold millions of tiny items. The readers
count the bytes of every part as they inflate them (a zip's declared sizes are checked first but
not trusted) and stop at the first byte past the allowance: ``ratio`` times the file's size, never
less than ``FLOOR`` and never more than ``ceiling``. The shared-strings table has its own bound
on what it would hold in memory. docs/operations.md states the defaults and their settings.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import Protocol

from ecert.core.errors import EcertError

DEFAULT_CEILING = 2 * 2**30  # a 1,048,576-row sheet of inline strings unpacks to about 0.7 GiB
DEFAULT_RATIO = 100  # spreadsheets compress 5 to 20 times; bombs about 1,000 times
FLOOR = 16 * 2**20  # any file may unpack to this much, however small it is
DEFAULT_SHARED_STRINGS = 2**30  # a 1,048,576-row workbook of Excel's has 3 million items: 0.5 GiB
TAG_WEIGHT = 32  # charged per tag of the table besides its bytes: what an item costs in memory


@dataclass(frozen=True)
class ReadLimits:
    """``ceiling``: bytes all parts of a workbook together may unpack to; ``ratio``: unpacked
    bytes per byte of the file; ``shared_strings``: the shared-strings table's unpacked bytes
    plus ``TAG_WEIGHT`` per tag (an item of ``<si><t>…</t></si>`` has four tags)."""

    ceiling: int = DEFAULT_CEILING
    ratio: int = DEFAULT_RATIO
    shared_strings: int = DEFAULT_SHARED_STRINGS

    @classmethod
    def configured(cls, settings: object) -> ReadLimits:
        """The limits a deployment set (``ECERT_SPREADSHEET_MAX_UNPACKED``,
        ``ECERT_SPREADSHEET_MAX_RATIO``, ``ECERT_SPREADSHEET_MAX_SHARED_STRINGS`` on the settings
        object handed in), the defaults for any it did not."""
        return cls(
            ceiling=getattr(settings, "ECERT_SPREADSHEET_MAX_UNPACKED", DEFAULT_CEILING),
            ratio=getattr(settings, "ECERT_SPREADSHEET_MAX_RATIO", DEFAULT_RATIO),
            shared_strings=getattr(
                settings, "ECERT_SPREADSHEET_MAX_SHARED_STRINGS", DEFAULT_SHARED_STRINGS
            ),
        )

    def allowance(self, file_size: int) -> int:
        return min(self.ceiling, max(FLOOR, self.ratio * file_size))


class Stream(Protocol):
    def read(self, size: int, /) -> bytes: ...
    def close(self) -> None: ...


class Budget:
    """What the parts of one workbook have unpacked to so far, against its allowance."""

    def __init__(self, limits: ReadLimits, *, file_size: int, name: str) -> None:
        self.limits = limits
        self.name = name
        self.allowance = limits.allowance(file_size)
        self.spent = 0

    def check_declared(self, archive: zipfile.ZipFile) -> None:
        """Refuse at once a package whose parts say they unpack to more than the allowance."""
        declared = 0
        for info in archive.infolist():
            declared += info.file_size
            if declared > self.allowance:
                raise self.too_large(info.filename)

    def open(self, archive: zipfile.ZipFile, member: str) -> CountedStream:
        return CountedStream(archive.open(member), self, member)

    def charge(self, member: str, size: int) -> None:
        self.spent += size
        if self.spent > self.allowance:
            raise self.too_large(member)

    def inflate(self, archive: zipfile.ZipFile, member: str, *, shared_strings: bool) -> None:
        """Unpack ``member`` to nowhere, counting; for the shared-strings table weigh its tags
        too, and refuse a table that would take more memory than its bound. (Every item is at
        least one tag, whatever its form; counting "<" cannot be dodged by spelling.)"""
        weight = 0
        with self.open(archive, member) as stream:
            while chunk := stream.read(2**20):
                if shared_strings:
                    weight += len(chunk) + TAG_WEIGHT * chunk.count(b"<")
                    if weight > self.limits.shared_strings:
                        raise self._table_exceeded(member)

    def too_large(self, member: str) -> EcertError:
        """The allowance is passed, in ``member`` (a zip's part; "" for a file not packed)."""
        limit = size_text(self.allowance)
        if self.allowance == self.limits.ceiling:
            zh_why, en_why = f"上限 {limit}", f"the ceiling of {limit}"
        else:
            floor = size_text(FLOOR)
            zh_why = f"文件大小的 {self.limits.ratio} 倍（至少 {floor}），即 {limit}"
            en_why = f"{self.limits.ratio} times the file's size (at least {floor}), {limit}"
        if not member:
            return EcertError(
                "too_large",
                f"文件超过上限 {limit}，请拆分后分批上传",
                f"the file is larger than the limit of {limit}; split it and upload the parts "
                "one by one",
                file=self.name,
            )
        return EcertError(
            "too_large",
            f"工作簿解压后的内容超过{zh_why}（读到部件 {member} 时超出），可能是异常文件；"
            "请用 Excel 打开后另存为 .xlsx，或拆分后分批上传",
            f"the workbook unpacks to more than {en_why} (passed in part {member}); it may be "
            "a malicious file: open it in Excel and save it as .xlsx, or split it and upload "
            "the parts one by one",
            file=self.name,
        )

    def _table_exceeded(self, member: str) -> EcertError:
        limit = size_text(self.limits.shared_strings)
        return EcertError(
            "too_large",
            f"工作簿的共享字符串表（部件 {member}）超过上限 {limit}（每个标记另计 {TAG_WEIGHT} "
            "字节），可能是异常文件；请用 Excel 打开后另存为 .xlsx，或拆分后分批上传",
            f"the workbook's shared-strings table (part {member}) is larger than the limit of "
            f"{limit} (counting {TAG_WEIGHT} bytes more per tag); it may be a malicious file: "
            "open it in Excel and save it as .xlsx, or split it and upload the parts one by one",
            file=self.name,
        )


class CountedStream:
    """A part being inflated; every byte it yields is charged to the budget as it comes."""

    def __init__(self, stream: Stream, budget: Budget, member: str) -> None:
        self.stream = stream
        self.budget = budget
        self.member = member

    def read(self, size: int, /) -> bytes:
        """At most ``size`` bytes (there is no reading "all": a part is read a chunk at a time)."""
        data = self.stream.read(size)
        self.budget.charge(self.member, len(data))
        return data

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> CountedStream:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def size_text(count: int) -> str:
    """1 GiB, 512 MiB, 64 KiB, 900 bytes: the limit as a person reads it."""
    for unit, name in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if count >= unit:
            return f"{count / unit:.1f}".removesuffix(".0") + f" {name}"
    return f"{count} B"
