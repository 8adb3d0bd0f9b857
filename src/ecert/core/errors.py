"""The one error type of ecert: what went wrong, in Chinese first and English second, and where.

Every error a user, a file or a stranger's QR code can cause is an ``EcertError``. ``code`` is a
stable snake_case reason that programs branch on (API answers, verification reason codes, tests);
the two texts are for people. ``file``, ``row``, ``column`` and ``label`` say where, when known:
``str(error)`` puts them in front of the texts, so a message printed anywhere names its place.
``field`` names the field for programs (a form puts the message beside it, an importer finds its
column); it is never printed, so a page never shows an internal name.
Interfaces show ``error.zh`` and ``error.en`` (or ``str(error)``); nothing else needs catching.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Where:
    """The place an error points at; every part is optional."""

    file: str = ""
    row: int | None = None
    column: str = ""  # a spreadsheet column letter, such as "C"
    field: str = ""  # the field's name for programs, such as "holder_name"; never printed
    label: tuple[str, str] = ("", "")  # the field as people read it: ("证件号码", "ID number")

    def texts(self) -> tuple[str, str]:
        """('文件 a.xlsx 第 3 行 C 列（姓名）', 'file a.xlsx, row 3, column C (name)'); empty
        strings when nothing is known. ``field`` is not printed, ``label`` is."""
        zh: list[str] = []
        en: list[str] = []
        if self.file:
            zh.append(f"文件 {self.file}")
            en.append(f"file {self.file}")
        if self.row is not None:
            zh.append(f"第 {self.row} 行")
            en.append(f"row {self.row}")
        if self.column:
            zh.append(f"{self.column} 列")
            en.append(f"column {self.column}")
        where_zh, where_en = " ".join(zh), ", ".join(en)
        label_zh, label_en = self.label
        if label_zh:
            where_zh = f"{where_zh}（{label_zh}）" if where_zh else label_zh
        if label_en:
            where_en = f"{where_en} ({label_en})" if where_en else label_en
        return where_zh, where_en


class EcertError(ValueError):
    """Something a user can cause and fix; ``code`` for programs, ``zh`` and ``en`` for people."""

    def __init__(
        self,
        code: str,
        zh: str,
        en: str,
        *,
        file: str = "",
        row: int | None = None,
        column: str = "",
        field: str = "",
        label: tuple[str, str] = ("", ""),
    ) -> None:
        self.code, self.zh, self.en = code, zh, en
        self.where = Where(file=file, row=row, column=column, field=field, label=label)
        super().__init__(self.message())

    @property
    def field(self) -> str:
        return self.where.field

    @property
    def row(self) -> int | None:
        return self.where.row

    @property
    def file(self) -> str:
        return self.where.file

    @property
    def column(self) -> str:
        return self.where.column

    def texts(self) -> tuple[str, str]:
        """('文件 a.xlsx 第 3 行：姓名为空', 'file a.xlsx, row 3: the name is empty'): each text led
        by the place, for a page that shows one language."""
        where_zh, where_en = self.where.texts()
        zh = f"{where_zh}：{self.zh}" if where_zh else self.zh
        en = f"{where_en}: {self.en}" if where_en else self.en
        return zh, en

    def message(self) -> str:
        """'文件 a.xlsx 第 3 行：姓名为空 / file a.xlsx, row 3: the name is empty'."""
        zh, en = self.texts()
        return f"{zh} / {en}"

    def located(
        self,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        field: str | None = None,
        label: tuple[str, str] | None = None,
    ) -> EcertError:
        """The same error with more of its place filled in (what is already known is kept)."""
        where = self.where
        changes: dict[str, object] = {}
        if file is not None and not where.file:
            changes["file"] = file
        if row is not None and where.row is None:
            changes["row"] = row
        if column is not None and not where.column:
            changes["column"] = column
        if field is not None and not where.field:
            changes["field"] = field
        if label is not None and not any(where.label):
            changes["label"] = label
        moved = replace(where, **changes)  # type: ignore[arg-type]
        located = EcertError(
            self.code,
            self.zh,
            self.en,
            file=moved.file,
            row=moved.row,
            column=moved.column,
            field=moved.field,
            label=moved.label,
        )
        located.__cause__ = self.__cause__
        return located

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (the signing worker); keep every part when pickled.
        return (
            _rebuild,
            (
                self.code,
                self.zh,
                self.en,
                self.file,
                self.row,
                self.column,
                self.field,
                self.where.label,
            ),
        )


def _rebuild(
    code: str,
    zh: str,
    en: str,
    file: str,
    row: int | None,
    column: str,
    field: str,
    label: tuple[str, str],
) -> EcertError:
    return EcertError(code, zh, en, file=file, row=row, column=column, field=field, label=label)
