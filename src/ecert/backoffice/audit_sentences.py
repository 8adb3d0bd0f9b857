"""An audit event told as a sentence in the page's language: what happened, to what, with the facts
its data holds, instead of an action code and a dict (issue 18).

One table holds a sentence for every action the code records; tests/audit/test_sentences.py finds
the actions in the source and fails on one without a sentence here. A sentence names its facts
as ``{key}`` placeholders, filled from the event's data by the formatter of that key (labels for
codes, 是/否 for flags, lists joined); what a sentence does not name (keyed digests of typed text,
Merkle roots) stays in the chain and in the Django admin.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ecert.core.formats.trust_list import Purpose
from ecert.core.rules.collection import ID_SOURCE_LABELS, IdSource
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel, CredentialKind, CredentialStatus
from ecert.core.rules.paper import (
    COUNTER_FIELDS,
    FORM_TYPE_LABELS,
    KEY_FIELDS,
    Edition,
    Method,
    RegistrationFormType,
)
from ecert.core.rules.replacement import Channel, Outcome, Reason
from ecert.core.rules.roles import ROLE_LABELS, Role
from ecert.i18n import in_language
from ecert.vocabulary import label

if TYPE_CHECKING:
    from ecert.audit.models import AuditEvent

Text = tuple[str, str]  # (Chinese, English)

SENTENCES: dict[str, Text] = {
    # Accounts
    "user.created": (
        "创建账号 {username}（超级用户：{superuser}）",
        "Created account {username} (superuser: {superuser})",
    ),
    "user.signed_in": (
        "登录后台（地址 {address}）",
        "Signed in to the back office (from {address})",
    ),
    "user.sign_in_failed": (
        "登录失败：{reason}（账号 {username}{typed}，地址 {address}）",
        "Sign-in failed: {reason} (account {username}{typed}, from {address})",
    ),
    "user.sign_in_locked": (
        "{minutes} 分钟内 {limit} 次登录失败，账号锁定（最后一次：{reason}；账号 {username}{typed}，地址 {address}）",
        "{limit} failed sign-ins in {minutes} minutes: locked (last: {reason}; account {username}{typed}, from {address})",
    ),
    "user.disabled": ("停用账号 {username}", "Disabled account {username}"),
    "user.enabled": ("启用账号 {username}", "Enabled account {username}"),
    "user.password_reset": (
        "重置账号 {username} 的密码（管理员输入新密码：{typed}）",
        "Reset the password of {username} (typed by the administrator: {typed})",
    ),
    "user.password_changed": (
        "账号 {username} 修改了自己的密码",
        "{username} changed their password",
    ),
    "role.assigned": ("授予账号 {username} 角色：{role}", "Gave {username} the role {role}"),
    "role.revoked": ("撤销角色：{role}", "Revoked the role {role}"),
    "api_token.created": (
        "为账号 {username} 创建接口密钥“{name}”（前缀 {prefix}）",
        "Created API key “{name}” for {username} (prefix {prefix})",
    ),
    "api_token.revoked": (
        "吊销账号 {username} 的接口密钥（前缀 {prefix}）",
        "Revoked an API key of {username} (prefix {prefix})",
    ),
    # Holders
    "holder.registered": (
        "登记持证人（证件号码 {id_number}）",
        "Registered a holder (ID {id_number})",
    ),
    "holder.linked": (
        "持证人（证件号码 {id_number}）关联到账号 {username}",
        "Linked the holder (ID {id_number}) to account {username}",
    ),
    "holder.photo_set": (
        "更新持证人照片（证件号码 {id_number}，{bytes}）",
        "Set the holder's photo (ID {id_number}, {bytes})",
    ),
    "holder.activated": (
        "持证人以激活码开通账号 {username}（证件号码 {id_number}）",
        "The holder activated account {username} with a code (ID {id_number})",
    ),
    "holder.identity_verified": (
        "持证人经 {provider} 核验身份，开通账号 {username}（证件号码 {id_number}）",
        "The holder's identity was verified by {provider}: account {username} (ID {id_number})",
    ),
    "holder.identity_refused": (
        "经 {provider} 登录被拒绝：{reason}（地址 {address}）",
        "Sign-in through {provider} refused: {reason} (from {address})",
    ),
    "activation_code.issued": (
        "为持证人（证件号码 {id_number}）开具激活码，有效期至 {expires_at}",
        "Issued an activation code to the holder (ID {id_number}), valid until {expires_at}",
    ),
    "activation_code.wrong_attempt": (
        "激活码输入错误，第 {attempts} 次（已作废：{voided}）",
        "Wrong activation code, attempt {attempts} (voided: {voided})",
    ),
    # Authorities and the catalogue
    "authority.created": (
        "新增机构 {name}（{kind}，{level}）",
        "Added the authority {name} ({kind}, {level})",
    ),
    "authority.loaded": (
        "载入机构名录：新增 {created} 个，更新 {updated} 个",
        "Loaded the authority list: {created} added, {updated} updated",
    ),
    "authority.seal_generated": (
        "生成印章图样（{width}×{height} 像素，替换原图样：{replaced}）",
        "Drew a seal picture ({width}×{height} px, replaced one: {replaced})",
    ),
    "authority.seal_uploaded": (
        "上传印章图样（{width}×{height} 像素，替换原图样：{replaced}）",
        "Uploaded a seal picture ({width}×{height} px, replaced one: {replaced})",
    ),
    "authority.region_code_set": (
        "设置地区部门代码：{from} → {to}",
        "Set the region code: {from} → {to}",
    ),
    "catalogue.loaded": ("载入职业资格目录：{counts}", "Loaded the catalogue: {counts}"),
    "catalogue.exam_code_set": (
        "设置考试代码（{level}）：{old} → {new}",
        "Set the exam code ({level}): {old} → {new}",
    ),
    "titles.code_tables_loaded": (
        "载入职称代码表：{schemes} 个系列，{series_levels} 个系列层级",
        "Loaded the title code tables: {schemes} schemes, {series_levels} series levels",
    ),
    # Signing
    "signing.root_created": (
        "生成{role}（{algorithm}，有效期至 {not_after}）",
        "Made the {role} ({algorithm}, valid until {not_after})",
    ),
    "signing.seal_made": (
        "制作电子印章（签章密钥 {signer_key}，由制章密钥 {maker_key} 制作）",
        "Made the electronic seal (seal key {signer_key}, made with the seal maker's key "
        "{maker_key})",
    ),
    "signing.key_created": (
        "生成签名密钥（{algorithm}，用于 {kinds}；{purposes}）",
        "Made a signing key ({algorithm}, for {kinds}; {purposes})",
    ),
    "signing.key_rotated": (
        "轮换签名密钥，停用 {replaced}",
        "Rotated the signing key, retiring {replaced}",
    ),
    "signing.key_revoked": (
        "吊销签名密钥，自 {revoked_at} 起：{reason}",
        "Revoked a signing key from {revoked_at}: {reason}",
    ),
    "signing.trust_list_published": (
        "发布信任列表（{signers} 个签名密钥）",
        "Published the trust list ({signers} signing keys)",
    ),
    "signing.status_lists_published": (
        "发布状态列表：第 {lists} 号",
        "Published status lists no. {lists}",
    ),
    # Pass lists and issuance
    "passlist.received": (
        "收到合格名单 {file}（{bytes}）",
        "Received the pass list {file} ({bytes})",
    ),
    "passlist.imported": (
        "导入合格名单：读取 {rows} 行，签发 {issued} 份，已签发 {already_issued} 份，搁置 {set_aside} 行；批次 {batches}",
        "Imported the pass list: {rows} rows read, {issued} issued, {already_issued} already issued, {set_aside} set aside; batches {batches}",
    ),
    "passlist.rejected": (
        "合格名单被退回：{rows} 行中 {bad_rows} 行有错误",
        "Rejected the pass list: {bad_rows} of {rows} rows have errors",
    ),
    "passlist.failed": ("合格名单导入失败：{reason}", "The pass list failed to import: {reason}"),
    "credential.issued": (
        "签发证书：新签发 {issued} 份，已签发 {already_issued} 份，拒签 {refused} 份；批次 {batches}",
        "Issued a credential: {issued} issued, {already_issued} already issued, {refused} refused; batch {batches}",
    ),
    "credentials.issued": (
        "批量签发证书：新签发 {issued} 份，已签发 {already_issued} 份，拒签 {refused} 份；批次 {batches}",
        "Issued credentials: {issued} issued, {already_issued} already issued, {refused} refused; batches {batches}",
    ),
    "credential.score_proof_issued": (
        "开具成绩合格证明，证明证书 {attests}（申请：{application}）",
        "Issued a score proof for credential {attests} (application: {application})",
    ),
    "credential.qualification_proof_issued": (
        "开具资格证明，证明证书 {attests}（申请：{application}）",
        "Issued a qualification proof for credential {attests} (application: {application})",
    ),
    "credential.valid": (
        "证书状态由“{from}”改为“{to}”：{reason}",
        "Status changed from “{from}” to “{to}”: {reason}",
    ),
    "credential.suspended": (
        "暂停证书（由“{from}”改为“{to}”）：{reason}",
        "Suspended the credential (from “{from}” to “{to}”): {reason}",
    ),
    "credential.revoked": (
        "撤销证书（由“{from}”改为“{to}”）：{reason}",
        "Revoked the credential (from “{from}” to “{to}”): {reason}",
    ),
    "credential.superseded": ("证书被新证书 {by} 替代", "Superseded by credential {by}"),
    "credential.corrected": (
        "修改证书信息（{changed}），新证书 {replacement}：{reason}",
        "Corrected the credential ({changed}), new credential {replacement}: {reason}",
    ),
    "credential.reissued": (
        "补发证书，新证书 {replacement}：{reason}",
        "Reissued the credential as {replacement}: {reason}",
    ),
    # Documents and print files
    "document.sealed": (
        "生成加盖电子印章的证书文件（{media}；限定用途副本：{scoped_copy}）",
        "Sealed the credential's document ({media}; scoped copy: {scoped_copy})",
    ),
    "elicence.exported": (
        "导出电子证照交换包：{credentials} 份证照元数据，{documents} 份盖章文件（{selection}）",
        "Exported an e-licence package: {credentials} metadata records, {documents} sealed "
        "documents ({selection})",
    ),
    "document.sd_jwt_issued": (
        "为持证人签发电子钱包凭证",
        "Issued the credential to the holder's wallet (SD-JWT VC)",
    ),
    "document.scoped_copy_created": (
        "生成限定用途副本 {reference}，有效期至 {valid_until}",
        "Made the scoped copy {reference}, valid until {valid_until}",
    ),
    "print_file.created": (
        "创建打印文件：{credentials} 份证书（批次 {batch}）",
        "Made a print file: {credentials} credentials (batch {batch})",
    ),
    "print_file.completed": (
        "打印文件已生成：{pages} 页，加盖印章：{with_seal}",
        "The print file is ready: {pages} pages, sealed: {with_seal}",
    ),
    "print_file.failed": ("打印文件生成失败：{reason}", "The print file failed: {reason}"),
    # Paper certificates
    "paper.delivery_recorded": (
        "登记纸质证书到货：{qualification} {level}，批准日期 {approval_date}，{edition}，新到 {size} 本（已登记 {already} 本），发放单位 {units}",
        "Recorded a delivery of paper certificates: {qualification} {level}, approved {approval_date}, {edition}, {size} new ({already} already recorded), units {units}",
    ),
    "paper.chosen": (
        "选择领取方式：{method}（{by}选择）",
        "Chose how to receive it: {method} (by the {by})",
    ),
    "paper.mail_orders_exported": (
        "导出邮寄订单：{parcels} 件（{carrier}）",
        "Exported mail orders: {parcels} parcels ({carrier})",
    ),
    "paper.waybills_recorded": (
        "登记运单号：{waybills} 个（已有 {already} 个，{carrier}）",
        "Recorded waybill numbers: {waybills} ({already} already, {carrier})",
    ),
    "paper.tracking_recorded": (
        "登记邮件跟踪：{events} 条记录，{moved} 件状态变化（{carrier}）",
        "Recorded tracking: {events} events, {moved} parcels moved ({carrier})",
    ),
    "paper.handed_over": (
        "现场发放纸质证书，回执 {receipt}；领取人 {collector}（证件号码 {collector_id}，{id_source}；代领：{by_proxy}）",
        "Handed over at the counter, receipt {receipt}; collected by {collector} (ID {collector_id}, {id_source}; by proxy: {by_proxy})",
    ),
    "paper.registration_form_recorded": (
        "登记{form_type}（完整：{complete}；缺少：{missing}；再次登记：{again}）",
        "Recorded the {form_type} (complete: {complete}; missing: {missing}; again: {again})",
    ),
    "paper.registration_form_printed": ("打印{form_type}", "Printed the {form_type}"),
    "paper.counter_checked": (
        "现场核验证书原件：{result}（不符项：{differences}；单位统一社会信用代码 {organisation}，证件号码 {id_number}）",
        "Counter check of an original: {result} (differences: {differences}; organisation {organisation}, ID {id_number})",
    ),
    "paper.counter_check_notice_sealed": (
        "出具加盖电子印章的核验告知书",
        "Sealed the counter check's notice",
    ),
    # Replacement
    "replacement.applied": (
        "申请补换证书 {credential}：{reason}，办理方式：{outcome}，{channel}（工作需要：{work_need}；需成绩合格证明：{score_proof}；变更：{changes}）",
        "Applied to replace credential {credential}: {reason}, to be handled as {outcome}, {channel} (work need: {work_need}; score proof: {score_proof}; changes: {changes})",
    ),
    "replacement.withdrawn": ("撤回补换证申请", "Withdrew the replacement application"),
    "replacement.accepted": (
        "受理补换证申请，列入 {month} 月批次 {batch}",
        "Accepted the application into batch {batch} of {month}",
    ),
    "replacement.returned": ("退回补换证申请：{reason}", "Returned the application: {reason}"),
    "replacement.batch_submitted": (
        "报送 {month} 月补换证批次（{applications} 份申请）",
        "Submitted the batch of {month} ({applications} applications)",
    ),
    "replacement.batch_returned": (
        "退回 {unit} 的补换证批次：{reason}",
        "Returned the batch of {unit}: {reason}",
    ),
    "replacement.error_recorded": (
        "登记 {unit} 批次的差错（发现单位 {found_by}，申请 {application}）",
        "Recorded an error in the batch of {unit} (found by {found_by}, application {application})",
    ),
    "replacement.dispatched": (
        "报送 {month} 月补换证数据：批次 {batches}；文件 {files}",
        "Sent on the data of {month}: batches {batches}; files {files}",
    ),
    "replacement.completed": (
        "补换证办结：{outcome}，结果证书 {result}",
        "Completed the replacement: {outcome}, resulting credential {result}",
    ),
    # Titles
    "title.recorded": (
        "登记职称评审结果（持证人证件号码 {holder}，系列层级代码 {series_level}，批准文件 {approval_document}）",
        "Recorded an approved title (holder ID {holder}, series level {series_level}, approval {approval_document})",
    ),
    "title.reported": (
        "报送职称数据：{records} 条（{first} 至 {last}）",
        "Reported titles: {records} records ({first} to {last})",
    ),
    "title.certificate_issued": (
        "签发职称证书 {number}（{form}；审批记录 {approval}；替代 {replaces}）",
        "Issued title certificate {number} ({form}; approval {approval}; replaces {replaces})",
    ),
    "title.reissue_submitted": (
        "申请补发职称证书 {certificate}（已上传承诺书）",
        "Applied to reissue title certificate {certificate} (pledge uploaded)",
    ),
    "title.reissued": (
        "同意补发职称证书 {certificate}，新证书 {replacement}：{note}",
        "Reissued title certificate {certificate} as {replacement}: {note}",
    ),
    "title.reissue_refused": (
        "不同意补发职称证书 {certificate}：{note}",
        "Refused to reissue title certificate {certificate}: {note}",
    ),
    # Organisations
    "organisation.registered": (
        "单位注册核验账号：{name}（统一社会信用代码 {credit_code}）",
        "An organisation registered: {name} (credit code {credit_code})",
    ),
    "organisation.pending": (
        "单位状态由“{from}”改为“{to}”：{note}",
        "Organisation from “{from}” to “{to}”: {note}",
    ),
    "organisation.approved": (
        "批准单位注册（由“{from}”改为“{to}”）：{note}",
        "Approved the organisation (from “{from}” to “{to}”): {note}",
    ),
    "organisation.rejected": (
        "驳回单位注册（由“{from}”改为“{to}”）：{note}",
        "Rejected the organisation (from “{from}” to “{to}”): {note}",
    ),
    "organisation.suspended": (
        "暂停单位核验账号（由“{from}”改为“{to}”）：{note}",
        "Suspended the organisation (from “{from}” to “{to}”): {note}",
    ),
}

# What the audit log names an event's object.
OBJECT_TYPES: dict[str, Text] = {
    "api_token": ("接口密钥", "API key"),
    "authority": ("机构", "authority"),
    "authority_file": ("机构名录", "authority list"),
    "batch": ("批次", "batch"),
    "catalogue": ("职业资格目录", "catalogue"),
    "counter_check": ("现场核验", "counter check"),
    "credential": ("证书", "credential"),
    "holder": ("持证人", "holder"),
    "mail_batch": ("邮寄批次", "mail batch"),
    "mail_import": ("邮件信息导入", "mail import"),
    "organisation": ("单位", "organisation"),
    "paper_delivery": ("纸质证书到货", "paper delivery"),
    "passlist_import": ("合格名单导入", "pass-list import"),
    "print_file": ("打印文件", "print file"),
    "qualification": ("职业资格", "qualification"),
    "replacement_application": ("补换证申请", "replacement application"),
    "replacement_batch": ("补换证批次", "replacement batch"),
    "replacement_dispatch": ("补换证报送", "replacement dispatch"),
    "root": ("根证书", "root certificate"),
    "signer_key": ("签名密钥", "signing key"),
    "status_list": ("状态列表", "status list"),
    "title_approval": ("职称评审结果", "title approval"),
    "title_code_tables": ("职称代码表", "title code tables"),
    "title_reissue": ("职称证书补发", "title reissue"),
    "trust_list": ("信任列表", "trust list"),
    "user": ("账号", "account"),
}

SYSTEM: Text = ("系统", "system")
NONE: Text = ("无", "none")
YES_NO: dict[bool, Text] = {True: ("是", "yes"), False: ("否", "no")}
ALGORITHMS = {-7: "ES256", -8: "EdDSA", -35: "ES384", -36: "ES512"}
PURPOSES: dict[int, Text] = {
    Purpose.CREDENTIALS: ("签发证书", "credentials"),
    Purpose.STATUS_LISTS: ("签发状态列表", "status lists"),
    Purpose.BATCH_ROOTS: ("签发批次根", "batch roots"),
    Purpose.SEAL_MAKING: ("制作电子印章", "making electronic seals"),
    Purpose.DOCUMENT_SEALS: ("加盖电子印章", "electronic seals on documents"),
}
ROOT_ROLES: dict[str, Text] = {
    "main": ("根证书", "root certificate"),
    "national_seals": ("电子印章 SM2 根证书", "SM2 root for electronic seals"),
}
MEDIA: dict[str, Text] = {"pdf": ("PDF", "PDF"), "ofd": ("OFD 版式文件", "OFD")}


def _export_selection(value: Any) -> str:
    """An e-licence export's selection: the authority, and what narrowed it."""
    if not isinstance(value, dict):
        return _plain(value)
    parts = [str(value.get("authorityName") or value.get("authority") or "")]
    if value.get("kind"):
        parts.append(_enum(CredentialKind)(value["kind"]))
    if value.get("issuedFrom") or value.get("issuedTo"):
        span = f"{value.get('issuedFrom') or '…'}—{value.get('issuedTo') or '…'}"
        parts.append(in_language(f"颁证日期 {span}", f"issued {span}"))
    if value.get("issuanceBatch"):
        batch = value["issuanceBatch"]
        parts.append(in_language(f"批次 {batch}", f"batch {batch}"))
    shown = [part for part in parts if part]
    return in_language("，".join(shown), ", ".join(shown))


SIGN_IN_REASONS: dict[str, Text] = {
    "unknown_user": ("无此账号", "no such account"),
    "disabled": ("账号已停用", "account disabled"),
    "no_backoffice_role": ("账号无后台角色", "no back-office role"),
    "wrong_password": ("密码错误", "wrong password"),
}
PAPER_CHOSEN_BY: dict[str, Text] = {"holder": ("持证人", "holder"), "clerk": ("工作人员", "clerk")}
COUNTER_RESULTS: dict[str, Text] = {
    "match": ("相符", "matches"),
    "mismatch": ("不符", "does not match"),
    "not_found": ("证书数据库中无此证书", "not in the certificate database"),
}
# Why signing in through an identity provider was refused (ecert.accounts.services.IDENTITY_REFUSALS).
IDENTITY_REFUSALS: dict[str, Text] = {
    "identity_no_id_number": ("未提供经核验的证件号码", "no verified ID number given"),
    "identity_unverified": ("证件号码未经核验", "the ID number is not verified"),
    "identity_bad_id_number": ("证件号码无效", "the ID number is not valid"),
    "identity_no_certificate": ("该证件号码下没有证书", "no credential under the ID number"),
    "account_disabled": ("账号已停用", "the account is disabled"),
    "account_not_holder": ("该账号不是持证人账号", "the account is not a holder's"),
}
# A credential's fields, as corrections and replacements name what changed.
FIELD_NAMES: dict[str, Text] = {
    "name": ("姓名", "name"),
    "id_number": ("证件号码", "ID number"),
    "sex": ("性别", "sex"),
    "birth_month": ("出生年月", "month of birth"),
    "level": ("级别", "level"),
    "specialty": ("专业", "specialty"),
    "approval_date": ("批准日期", "approval date"),
    "number": ("证书编号", "number"),
    "qualification": ("资格名称", "qualification"),
}
CATALOGUE_COUNTS: dict[str, Text] = {
    "qualifications": ("职业资格", "qualifications"),
    "levels": ("级别", "levels"),
    "specialties": ("专业", "specialties"),
    "lists": ("名单", "lists"),
    "list entries": ("名单条目", "list entries"),
    "responsibility rows": ("责任单位表行", "responsibility rows"),
}
CATALOGUE_OUTCOMES: dict[str, Text] = {
    "created": ("新增", "created"),
    "updated": ("更新", "updated"),
    "unchanged": ("未变", "unchanged"),
    "replaced": ("替换", "replaced"),
}


def _t(text: Text) -> str:
    return in_language(*text)


def _plain(value: Any) -> str:
    """A value as it is: text and numbers; flags as 是/否; nothing as 无; lists joined."""
    if value is None or value == "" or value == []:
        return _t(NONE)
    if isinstance(value, bool):
        return _t(YES_NO[value])
    if isinstance(value, list | tuple):
        return "、".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_plain(v)}" for k, v in value.items())
    return str(value)


def _size(value: Any) -> str:
    return in_language(f"{value} 字节", f"{value} bytes")


def _enum(enum: type[Any]) -> Callable[[Any], str]:
    def format_(value: Any) -> str:
        try:
            return str(label(enum(value)))
        except ValueError:
            return _plain(value)

    return format_


def _enums(enum: type[Any]) -> Callable[[Any], str]:
    one = _enum(enum)
    return lambda values: "、".join(one(v) for v in values) if values else _t(NONE)


def _table(table: Mapping[Any, Text]) -> Callable[[Any], str]:
    return lambda value: _t(table[value]) if value in table else _plain(value)


def _role(value: Any) -> str:
    try:
        return _t(ROLE_LABELS[Role(value)])
    except ValueError:
        return _plain(value)


def _batches(value: Any) -> str:
    if not value:
        return _t(NONE)
    return "、".join(
        in_language(
            f"{b.get('batch')}（{b.get('size')} 份）", f"{b.get('batch')} ({b.get('size')})"
        )
        for b in value
    )


def _counts(value: Any) -> str:
    parts = []
    for key, count in dict(value).items():
        *what, outcome = str(key).split(" ")
        name = CATALOGUE_COUNTS.get(" ".join(what))
        done = CATALOGUE_OUTCOMES.get(outcome)
        text = f"{_t(done)}{_t(name)} {count}" if name and done else f"{key} {count}"
        parts.append(text if name and done else _plain(text))
    return "，".join(parts) or _t(NONE)


def _count_of(value: Any) -> str:
    return str(len(value)) if isinstance(value, list | tuple | dict) else _plain(value)


def _named(table: tuple[tuple[str, str, str], ...]) -> Callable[[Any], str]:
    """Field keys by their names in a (key, Chinese, English) table."""
    names = {key: (zh, en) for key, zh, en in table}
    return lambda values: (
        "、".join(_t(names[v]) if v in names else _plain(v) for v in values) if values else _t(NONE)
    )


def _short_digest(value: Any) -> str:
    return f"{str(value)[:12]}…" if value else _t(NONE)


def _typed(value: Any) -> str:
    return in_language(f"，输入的名称 {value}", f", typed {value}") if value else ""


# Formatters by key, and by "action:key" where one key means different things.
FORMATS: dict[str, Callable[[Any], str]] = {
    "bytes": _size,
    "role": _role,
    "kinds": _enums(CredentialKind),
    "kind": _enum(AuthorityKind),
    "authority.created:level": _enum(AuthorityLevel),
    "authority.loaded:created": _count_of,
    "authority.loaded:updated": _count_of,
    "algorithm": lambda v: ALGORITHMS.get(v, _plain(v)),
    "signing.root_created:role": _table(ROOT_ROLES),
    "document.sealed:media": _table(MEDIA),
    "elicence.exported:selection": _export_selection,
    "purposes": lambda v: "、".join(_t(PURPOSES[p]) if p in PURPOSES else _plain(p) for p in v),
    "replaced": _plain,
    "signing.key_rotated:replaced": lambda v: "、".join(_short_digest(k) for k in v) or _t(NONE),
    "batches": _batches,
    "replacement.dispatched:batches": _plain,
    "counts": _counts,
    "from": _enum(CredentialStatus),
    "to": _enum(CredentialStatus),
    "organisation.pending:from": lambda v: _organisation_state(v),
    "reason": _plain,
    "user.sign_in_failed:reason": _table(SIGN_IN_REASONS),
    "user.sign_in_locked:reason": _table(SIGN_IN_REASONS),
    "holder.identity_refused:reason": lambda v: _identity_refusal(v),
    "replacement.applied:reason": _enum(Reason),
    "outcome": _enum(Outcome),
    "channel": _enum(Channel),
    "edition": _enum(Edition),
    "method": _enum(Method),
    "paper.chosen:by": _table(PAPER_CHOSEN_BY),
    "form_type": _table({t.value: FORM_TYPE_LABELS[t] for t in RegistrationFormType}),
    "form": lambda v: _form(v),
    "id_source": _table({s.value: ID_SOURCE_LABELS[s] for s in IdSource}),
    "result": _table(COUNTER_RESULTS),
    "replacement.completed:result": _plain,
    "differences": _named(COUNTER_FIELDS),
    "missing": _named(KEY_FIELDS),
    "carrier": lambda v: str(v).upper(),
    "typed": _typed,
    "user.password_reset:typed": _plain,
    "changed": lambda v: _fields_named(v),
    "changes": lambda v: _fields_named(v),
    "found_by": lambda v: _found_by(v),
    "lists": _plain,
    "units": _plain,
    "username": lambda v: _plain(v) if v else "—",
}
for _state_key in ("from", "to"):
    for _state in ("pending", "approved", "rejected", "suspended"):
        FORMATS[f"organisation.{_state}:{_state_key}"] = lambda v: _organisation_state(v)


def _organisation_state(value: Any) -> str:
    from ecert.verification.models import OrganisationState

    try:
        return str(OrganisationState(value).label)
    except ValueError:
        return _plain(value)


def _identity_refusal(value: Any) -> str:
    return _t(IDENTITY_REFUSALS.get(str(value), ("身份核验未通过", "identity not accepted")))


def _fields_named(value: Any) -> str:
    return "、".join(_t(FIELD_NAMES[v]) if v in FIELD_NAMES else _plain(v) for v in value) or _t(
        NONE
    )


def _found_by(value: Any) -> str:
    from ecert.replacement.models import FoundBy

    try:
        return str(FoundBy(value).label)
    except ValueError:
        return _plain(value)


def _form(value: Any) -> str:
    from ecert.core.rules.kinds import CredentialForm

    return _enum(CredentialForm)(value)


def fields(action: str) -> list[str]:
    """The data keys the sentence of ``action`` names."""
    zh, _en = SENTENCES[action]
    return [name for _text, name, _spec, _conv in string.Formatter().parse(zh) if name]


# Keys whose values are authority or qualification keys, shown by their names.
AUTHORITY_KEYS = ("unit",)
QUALIFICATION_KEYS = ("qualification",)


def event_sentence(
    action: str, data: Mapping[str, Any], authorities: Mapping[str, str] | None = None
) -> str:
    """What the event says, in the page's language; ``authorities`` names authorities and qualifications by key.
    An action without a sentence is shown by its facts alone (never the code), and the test of
    this module fails on it."""
    names = authorities or {}
    named = (*AUTHORITY_KEYS, *QUALIFICATION_KEYS)
    data = {k: names.get(v, v) if k in named else v for k, v in data.items()}
    if action not in SENTENCES:
        return "；".join(f"{k}：{_plain(v)}" for k, v in data.items()) or _t(NONE)
    values = {}
    for key in fields(action):
        value = data.get(key)
        format_ = FORMATS.get(f"{action}:{key}") or FORMATS.get(key) or _plain
        values[key] = format_(value) if key in data or key == "typed" else _t(NONE)
    return in_language(*SENTENCES[action]).format(**values)


def object_label(object_type: str, object_id: str) -> str:
    """The event's object: what kind of thing, and which."""
    if not object_type:
        return "—"
    kind = OBJECT_TYPES.get(object_type)
    name = _t(kind) if kind else _t(("对象", "object"))
    return f"{name} {object_id}".strip()


def status_lists_label(numbers: Any) -> str:
    """Status lists named as the sentence names them: by the numbers their files publish
    (``list_number``), never by a row or a count."""
    many = isinstance(numbers, list | tuple) and len(numbers) > 1
    return in_language(
        f"状态列表 第 {_plain(numbers)} 号",
        f"status list{'s' if many else ''} no. {_plain(numbers)}",
    )


def _object_of(event: AuditEvent, shown: Mapping[str, Mapping[str, str]]) -> str:
    """The object column of one event. A status-list event's object is read from the list numbers
    in its data: its object id held how many lists were signed before decision 282."""
    if event.object_type == "status_list" and isinstance(event.data.get("lists"), list):
        return status_lists_label(event.data["lists"])
    return object_label(
        event.object_type, shown.get(event.object_type, {}).get(event.object_id, event.object_id)
    )


def actor_label(actor_label_: str, actor_id: int | None) -> str:
    """Who acted: the account's name, or 系统 for the system's own events."""
    return _t(SYSTEM) if actor_id is None and actor_label_ == "system" else actor_label_


@dataclass(frozen=True)
class EventRow:
    """One line of the audit log page."""

    sequence: int
    at: datetime
    actor: str
    authority: str
    sentence: str
    object: str


def audit_rows(events: list[AuditEvent]) -> list[EventRow]:
    """The events of a page, told as sentences; two queries name the authorities (by key) and
    the accounts (by number) the events cite."""
    from ecert.accounts.models import User
    from ecert.authorities.models import Authority
    from ecert.catalogue.models import Qualification

    keys = {str(e.data.get(k)) for e in events for k in AUTHORITY_KEYS if e.data.get(k)}
    keys |= {e.object_id for e in events if e.object_type == "authority"}
    names = dict(Authority.objects.filter(key__in=keys).values_list("key", "name")) if keys else {}
    qualifications = {
        str(e.data.get(k)) for e in events for k in QUALIFICATION_KEYS if e.data.get(k)
    }
    if qualifications:
        names |= dict(
            Qualification.objects.filter(key__in=qualifications).values_list("key", "name")
        )
    user_ids = {
        int(e.object_id) for e in events if e.object_type == "user" and e.object_id.isdigit()
    }
    users = (
        {
            str(pk): name
            for pk, name in User.objects.filter(pk__in=user_ids).values_list("pk", "username")
        }
        if user_ids
        else {}
    )
    shown = {"authority": names, "user": users}
    return [
        EventRow(
            sequence=e.sequence,
            at=e.at,
            actor=actor_label(e.actor_label, e.actor_id),
            authority=e.authority.name if e.authority is not None else "—",
            sentence=event_sentence(e.action, e.data, names),
            object=_object_of(e, shown),
        )
        for e in events
    ]
