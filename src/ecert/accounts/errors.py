"""Errors a holder can cause while opening their account; messages in Chinese then English."""

from __future__ import annotations

from types import MappingProxyType

from ecert.core.errors import EcertError

# "wrong_id_number_or_code" is the one answer for an unknown ID number and a wrong code alike, so
# the form cannot be used to learn whether somebody holds a certificate here. The answers about a
# used, void or expired code are given only to someone who typed that code: they know the secret.
_MESSAGES = MappingProxyType(
    {
        "wrong_id_number_or_code": (
            "身份证件号码或激活码不正确",
            "the ID number or the activation code is not correct",
        ),
        "code_used": (
            "此激活码已经使用过；如忘记密码，请向经办机构重新申领激活码",
            "this activation code has been used; ask the bureau for a new one if you forgot "
            "your password",
        ),
        "code_void": (
            "此激活码已作废（已重新申领或输错次数过多），请向经办机构重新申领",
            "this activation code is void (a newer one was issued, or it was mistyped too often); "
            "ask the bureau for a new one",
        ),
        "code_expired": (
            "此激活码已过期，请向经办机构重新申领",
            "this activation code has expired; ask the bureau for a new one",
        ),
        "account_disabled": (
            "该持证人账户已停用，请联系经办机构",
            "this holder account is disabled; contact the bureau",
        ),
        "account_not_holder": (
            "该证件号码已关联工作人员账户，不能用激活码设置密码，请联系安全管理员",
            "this ID number is linked to a staff account, whose password an activation code "
            "cannot set; contact the security administrator",
        ),
    }
)


# What an activation refuses with, by code; the portal answers these and nothing else.
REFUSALS = frozenset(_MESSAGES) | {"weak_password"}


def activation_error(code: str) -> EcertError:
    """An activation that cannot go ahead, with the table's texts for ``code``."""
    zh, en = _MESSAGES[code]
    return EcertError(code, zh, en)


def password_rejected(zh: list[str], en: list[str]) -> EcertError:
    """The password validators' reasons, in both languages."""
    return EcertError("weak_password", "；".join(zh), "; ".join(en))
