"""The error every spreadsheet reader raises for a file it cannot read, with its messages."""

from __future__ import annotations

from ecert.core.errors import EcertError

_MESSAGES: dict[str, tuple[str, str]] = {
    "unsupported_format": (
        "不是可读取的表格文件，请上传 Excel 工作簿（.xlsx、.xls）或 CSV 文件",
        "is not a spreadsheet that can be read; upload an Excel workbook (.xlsx, .xls) or a CSV file",
    ),
    "password_protected": (
        "文件设有打开密码，请在 Excel 中取消密码并保存后重新上传",
        "is protected by a password; remove the password in Excel, save and upload it again",
    ),
    "corrupt": (
        "文件已损坏或不完整，请用 Excel 打开后另存为 .xlsx 再上传",
        "is damaged or incomplete; open it in Excel, save it as .xlsx and upload it again",
    ),
    "encoding": (
        "文字编码无法识别，请另存为“CSV UTF-8（逗号分隔）”后重新上传",
        'has a text encoding that cannot be read; save it as "CSV UTF-8 (Comma delimited)" and upload it again',
    ),
    "no_sheet": ("工作簿中没有工作表", "the workbook has no worksheet"),
    "too_large": (
        "文件解压后过大，请拆分后分批上传",
        "unpacks to too much; split it and upload the parts one by one",
    ),
}


# Every code a reader refuses a file with: the table's, and too_many_rows (its texts name the limit).
SPREADSHEET_CODES = frozenset(_MESSAGES) | {"too_many_rows"}


def spreadsheet_error(code: str, file: str, zh: str = "", en: str = "") -> EcertError:
    """A file that cannot be read as a spreadsheet: ``code``'s texts from the table unless given,
    and ``file`` (as the user named it), so the message says which file."""
    default_zh, default_en = _MESSAGES.get(code, ("", ""))
    return EcertError(code, zh or default_zh, en or default_en, file=file)
