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


# What signing in to the back office and managing staff accounts refuse with (docs/staff-accounts.md).
_STAFF_MESSAGES = MappingProxyType(
    {
        "signin_wrong": (
            "用户名或密码不正确，请重试",
            "wrong user name or password; please try again",
        ),
        "signin_locked": (
            "登录失败次数过多，为保护账户安全已暂时锁定，请 15 分钟后再试；"
            "如需立即登录，请联系安全管理员重置密码",
            "too many failed sign-ins: locked for your safety; try again in 15 minutes, or ask "
            "the security administrator to reset your password",
        ),
        "not_in_scope": (
            "该账户不在您的管理范围内",
            "this account is outside the subtree you manage",
        ),
        "authority_not_in_scope": (
            "该机构不在您的管理范围内，不能在此分配角色",
            "this authority is outside the subtree you manage; you cannot assign roles there",
        ),
        "not_staff_role": (
            "此处只能分配工作人员角色（持证人和用证单位账户另有办理途径）",
            "only staff roles are assigned here (holder and organisation accounts are opened "
            "elsewhere)",
        ),
        "own_account": (
            "不能更改自己账户的角色或状态，也不能重置自己的密码，请由另一位安全管理员办理"
            "（修改自己的密码请用“修改密码”）",
            "you cannot change your own roles or state or reset your own password; ask another "
            "security administrator (to change your own password, use Change password)",
        ),
        "superuser": (
            "系统管理员账户只能在服务器上用命令行管理",
            "a superuser account is managed only with the command line on the server",
        ),
        "last_role": (
            "这是该账户唯一的角色，不能撤销；如该人员不再使用系统，请停用账户",
            "this is the account's only role and cannot be revoked; disable the account instead "
            "if the person no longer uses the system",
        ),
        "username_invalid": (
            "用户名只能由字母、数字和 @ . + - _ 组成，最多 150 个字符",
            "a user name is letters, digits and @ . + - _ only, at most 150 characters",
        ),
        "username_taken": (
            "该用户名已被使用，请换一个",
            "this user name is taken; choose another",
        ),
        "current_password_wrong": (
            "当前密码不正确",
            "the current password is not right",
        ),
        "password_unchanged": (
            "新密码不能与当前密码相同",
            "the new password must differ from the current one",
        ),
    }
)

# What staff-account services refuse with, by code; the pages and commands answer these.
STAFF_REFUSALS = (
    frozenset(_STAFF_MESSAGES)
    | {"weak_password"}
    | {"role_without_authority", "role_not_here", "separation_of_duties"}
)


def staff_error(code: str) -> EcertError:
    """A sign-in or staff-account change that cannot go ahead, with the table's texts for ``code``."""
    zh, en = _STAFF_MESSAGES[code]
    return EcertError(code, zh, en)
