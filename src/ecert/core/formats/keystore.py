"""Where signing keys live: encrypted PEM files (the default) or a PKCS#11 token (an HSM).

Both stores hand out ``Signer`` objects (``ecert.core.formats.algorithms``) that return raw COSE signatures,
so the code that signs credentials never knows where a key is kept. A key is named by a label,
``[a-z0-9][a-z0-9._-]{0,63}``, which is the file name in a ``FileKeyStore`` and CKA_LABEL and
CKA_ID on a token.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pkcs11
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass, SignMixin
from pkcs11.exceptions import (
    MultipleTokensReturned,
    NoSuchToken,
    PinExpired,
    PinIncorrect,
    PinInvalid,
    PinLenRange,
    PinLocked,
    PKCS11Error,
    UserAlreadyLoggedIn,
)

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import (
    ALGORITHM_NAMES,
    SIGNATURE_LENGTH,
    Algorithm,
    Signer,
    generate_key,
    load_encrypted_pem,
)

_LABEL = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class KeyStore(Protocol):
    """Creates, loads, lists and destroys signing keys by label."""

    def generate(self, label: str, algorithm: Algorithm) -> Signer:
        """Create and keep a new key pair; an existing label is refused."""
        ...

    def signer(self, label: str) -> Signer:
        """The key kept under ``label``; ``unknown_key`` if there is none."""
        ...

    def labels(self) -> list[str]:
        """The labels of all keys in the store, sorted."""
        ...

    def destroy(self, label: str) -> None:
        """Delete a retired key for good."""
        ...


def check_label(label: str) -> None:
    """Refuse a label that is not ``[a-z0-9][a-z0-9._-]{0,63}`` (it becomes a file name)."""
    if not _LABEL.fullmatch(label):
        raise EcertError(
            "bad_label",
            f"密钥标签 {label!r} 无效：须以小写字母或数字开头，只含小写字母、数字和 . _ -，最长 64 个字符",
            f"invalid key label {label!r}: start with a lower-case letter or digit, use only "
            "a-z 0-9 . _ -, at most 64 characters",
        )


def _unknown_key(label: str, where: tuple[str, str]) -> EcertError:
    return EcertError(
        "unknown_key",
        f"{where[0]}中没有标签为 {label} 的密钥",
        f"no key labelled {label} in {where[1]}",
    )


def _duplicate_label(label: str, where: tuple[str, str]) -> EcertError:
    return EcertError(
        "duplicate_label",
        f"{where[0]}中已有标签为 {label} 的密钥，请换一个标签",
        f"{where[1]} already holds a key labelled {label}; choose another label",
    )


class FileKeyStore:
    """Keys as ``<label>.pem`` files, PKCS#8 encrypted with one password, in a private directory."""

    def __init__(self, directory: Path, password: bytes) -> None:
        if not password:
            raise EcertError(
                "empty_password", "密钥口令不能为空", "the key store password must not be empty"
            )
        self._directory = directory
        self._password = password
        self._where = (f"密钥目录 {directory} ", f"the key directory {directory}")

    def generate(self, label: str, algorithm: Algorithm) -> Signer:
        path = self._path(label)
        key = generate_key(algorithm)
        try:
            self._directory.mkdir(parents=True)
        except FileExistsError:
            pass  # an existing directory keeps the mode its owner gave it
        else:
            os.chmod(self._directory, 0o700)
        try:
            _write_new_file(path, key.to_encrypted_pem(self._password))
        except FileExistsError:
            raise _duplicate_label(label, self._where) from None
        return key

    def signer(self, label: str) -> Signer:
        path = self._path(label)
        try:
            pem = path.read_bytes()
        except FileNotFoundError:
            raise _unknown_key(label, self._where) from None
        try:
            return load_encrypted_pem(pem, self._password)
        except EcertError as error:
            if error.code == "unreadable":
                raise EcertError(
                    "wrong_password",
                    f"无法解密密钥文件 {path}：口令错误或文件已损坏",
                    f"cannot decrypt the key file {path}: wrong password or a damaged file",
                ) from error
            raise EcertError(error.code, f"{path}：{error.zh}", f"{path}: {error.en}") from error

    def labels(self) -> list[str]:
        return sorted(p.stem for p in self._directory.glob("*.pem") if _LABEL.fullmatch(p.stem))

    def destroy(self, label: str) -> None:
        """Unlink the file. The bytes may linger on disk, but they are encrypted."""
        try:
            self._path(label).unlink()
        except FileNotFoundError:
            raise _unknown_key(label, self._where) from None
        _fsync_directory(self._directory)

    def _path(self, label: str) -> Path:
        check_label(label)
        return self._directory / f"{label}.pem"


def _write_new_file(path: Path, content: bytes) -> None:
    """Make ``path`` appear whole or not at all, mode 0600; FileExistsError if it exists.

    The content goes to a temporary file that is then hard-linked into place: unlike
    ``os.replace``, a link never overwrites, so two processes cannot both create one label.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        os.fchmod(descriptor, 0o600)  # mkstemp already does; said here because it matters
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    finally:
        os.unlink(temporary)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- PKCS#11 -----------------------------------------------------------------------------------

_P256_PARAMS = bytes.fromhex("06082a8648ce3d030107")  # OID 1.2.840.10045.3.1.7, prime256v1
_ED25519_PARAMS = bytes.fromhex("06032b6570")  # OID 1.3.101.112, id-Ed25519
_ED25519_NAME_PARAMS = b"\x13\x0cedwards25519"  # the PrintableString form PKCS#11 3.0 also allows
_P256_POINT_LENGTH = 65  # uncompressed: 04 || x || y
_ED25519_POINT_LENGTH = 32


@dataclass(frozen=True)
class _TokenAlgorithm:
    key_type: KeyType
    generate_mechanism: Mechanism
    sign_mechanism: Mechanism
    params: bytes


_TOKEN_ALGORITHMS = {
    Algorithm.ES256: _TokenAlgorithm(
        KeyType.EC, Mechanism.EC_KEY_PAIR_GEN, Mechanism.ECDSA, _P256_PARAMS
    ),
    Algorithm.EDDSA: _TokenAlgorithm(
        KeyType.EC_EDWARDS, Mechanism.EC_EDWARDS_KEY_PAIR_GEN, Mechanism.EDDSA, _ED25519_PARAMS
    ),
}


@dataclass
class _Login:
    """PKCS#11 logs in the application, not a session: a second C_Login fails and one C_Logout
    logs every session out. So each token is logged in once per process, shared by count."""

    session: pkcs11.Session
    pin: bytes
    holders: int


_LOGINS: dict[tuple[str, bytes], _Login] = {}


def _login_acquire(module_path: str, token: pkcs11.Token, pin: str) -> tuple[str, bytes]:
    key = (module_path, token.serial)
    login = _LOGINS.get(key)
    if login is not None:
        if not hmac.compare_digest(login.pin, pin.encode()):
            raise _wrong_pin(token.label)
        login.holders += 1
        return key
    try:
        session = token.open(user_pin=pin)
    except (PinIncorrect, PinInvalid, PinLenRange) as error:
        raise _wrong_pin(token.label) from error
    except (PinLocked, PinExpired) as error:
        raise EcertError(
            "pin_locked",
            f"令牌 {token.label} 的用户 PIN 已锁定或过期，请由安全管理员重置",
            f"the user PIN of token {token.label} is locked or expired; a security officer must reset it",
        ) from error
    except UserAlreadyLoggedIn as error:
        raise EcertError(
            "already_logged_in",
            f"本进程已在别处登录令牌 {token.label}，请先关闭那个会话",
            f"this process is already logged in to token {token.label} elsewhere; close that session",
        ) from error
    except PKCS11Error as error:
        raise EcertError(
            "token_error",
            f"登录令牌 {token.label} 失败：{type(error).__name__}",
            f"cannot log in to token {token.label}: {type(error).__name__}",
        ) from error
    _LOGINS[key] = _Login(session, pin.encode(), 1)
    return key


def _login_release(key: tuple[str, bytes]) -> None:
    login = _LOGINS[key]
    login.holders -= 1
    if login.holders == 0:
        del _LOGINS[key]
        with contextlib.suppress(PKCS11Error):  # already gone if the module was finalised
            login.session.close()  # logs out, then closes


def _wrong_pin(token_label: str) -> EcertError:
    return EcertError(
        "wrong_pin",
        f"令牌 {token_label} 的用户 PIN 错误",
        f"wrong user PIN for token {token_label}",
    )


class Pkcs11KeyStore:
    """Keys generated inside a PKCS#11 token; the private half never leaves it.

    One session per store, opened at first use; ``close()`` (or leaving a ``with`` block) ends it,
    and a later call opens a new one. ES256 and Ed25519 only: standard PKCS#11 defines no SM2
    mechanisms, so SM2 keys need a file key store or a module with vendor SM2 support.
    """

    def __init__(self, module_path: str, token_label: str, user_pin: str) -> None:
        self._module_path = module_path
        self._token_label = token_label
        self._user_pin = user_pin
        self._where = (f"PKCS#11 令牌 {token_label} ", f"the PKCS#11 token {token_label}")
        self._session: pkcs11.Session | None = None
        self._login: tuple[str, bytes] | None = None
        self._private_keys: dict[str, SignMixin] = {}

    def __enter__(self) -> Pkcs11KeyStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """End the session and give up this store's share of the login; safe to call twice."""
        self._private_keys.clear()
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(PKCS11Error):  # already gone if the module was finalised
                session.close()
        login, self._login = self._login, None
        if login is not None:
            _login_release(login)

    def generate(self, label: str, algorithm: Algorithm) -> Signer:
        check_label(label)
        spec = self._token_algorithm(algorithm)
        session = self._open()
        mechanisms = session.token.slot.get_mechanisms()
        if spec.generate_mechanism not in mechanisms or spec.sign_mechanism not in mechanisms:
            raise self._unsupported(algorithm)
        if self._objects(label, None):
            raise _duplicate_label(label, self._where)
        try:
            session.generate_keypair(
                spec.key_type,
                id=label.encode(),
                label=label,
                store=True,
                capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
                mechanism=spec.generate_mechanism,
                public_template={Attribute.EC_PARAMS: spec.params},
                private_template={
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                },
            )
        except PKCS11Error as error:
            raise self._token_error("generate a key", error) from error
        return self.signer(label)

    def signer(self, label: str) -> Signer:
        check_label(label)
        self._private_key(label)
        public = self._objects(label, ObjectClass.PUBLIC_KEY)
        if not public:
            raise EcertError(
                "public_key_missing",
                f"{self._where[0]}中标签为 {label} 的公钥对象缺失",
                f"the public key object labelled {label} is missing from {self._where[1]}",
            )
        algorithm, spki_der = _public_key_info(public[0], label)
        return Pkcs11Signer(self, label, algorithm, spki_der)

    def labels(self) -> list[str]:
        found = {key[Attribute.LABEL] for key in self._objects(None, ObjectClass.PRIVATE_KEY)}
        return sorted(label for label in found if _LABEL.fullmatch(label))

    def destroy(self, label: str) -> None:
        check_label(label)
        objects = self._objects(label, None)
        if not objects:
            raise _unknown_key(label, self._where)
        self._private_keys.pop(label, None)
        try:
            for item in objects:
                item.destroy()
        except PKCS11Error as error:
            raise self._token_error("destroy a key", error) from error

    def _sign(self, label: str, algorithm: Algorithm, data: bytes) -> bytes:
        spec = self._token_algorithm(algorithm)
        # CKM_ECDSA signs a digest we make; CKM_EDDSA (pure Ed25519) takes the whole message.
        message = hashlib.sha256(data).digest() if algorithm is Algorithm.ES256 else data
        try:
            signature = self._private_key(label).sign(message, mechanism=spec.sign_mechanism)
        except PKCS11Error as error:
            raise self._token_error("sign", error) from error
        # PKCS#11 returns r || s for ECDSA, each padded to the curve size: already the COSE form.
        if len(signature) != SIGNATURE_LENGTH:
            raise EcertError(
                "bad_token_signature",
                f"{self._where[0]}返回的签名长度为 {len(signature)} 字节，应为 64",
                f"{self._where[1]} returned a {len(signature)}-byte signature instead of 64",
            )
        return signature

    def _token_algorithm(self, algorithm: Algorithm) -> _TokenAlgorithm:
        spec = _TOKEN_ALGORITHMS.get(algorithm)
        if spec is None:
            raise self._unsupported(algorithm)
        return spec

    def _unsupported(self, algorithm: Algorithm) -> EcertError:
        if algorithm is Algorithm.SM2_SM3:
            return EcertError(
                "unsupported_in_store",
                f"{self._where[0]}不能保存 SM2 密钥：SM2 密钥请使用文件密钥库，"
                "或使用 PKCS#11 模块支持 SM2（GM/T 0016 / SDF）的密码机",
                f"{self._where[1]} cannot hold SM2 keys: use a file key store, or an HSM whose "
                "PKCS#11 module offers SM2 (GM/T 0016 / SDF)",
            )
        name = ALGORITHM_NAMES[algorithm]
        return EcertError(
            "unsupported_in_store",
            f"{self._where[0]}的 PKCS#11 模块不提供 {name} 密钥所需的机制",
            f"the PKCS#11 module of {self._where[1]} offers no mechanism for {name} keys",
        )

    def _token_error(self, action: str, error: PKCS11Error) -> EcertError:
        name = type(error).__name__
        return EcertError(
            "token_error",
            f"{self._where[0]}拒绝了操作（{action}）：{name}",
            f"{self._where[1]} refused to {action}: {name}",
        )

    def _open(self) -> pkcs11.Session:
        if self._session is not None:
            return self._session
        try:
            library = pkcs11.lib(self._module_path)
        except PKCS11Error as error:
            raise EcertError(
                "module_unavailable",
                f"无法加载 PKCS#11 模块 {self._module_path}，请检查路径",
                f"cannot load the PKCS#11 module {self._module_path}: {error}",
            ) from error
        try:
            token = library.get_token(token_label=self._token_label)
        except NoSuchToken as error:
            raise EcertError(
                "unknown_token",
                f"PKCS#11 模块 {self._module_path} 中没有标签为 {self._token_label} 的令牌",
                f"no token labelled {self._token_label} in the PKCS#11 module {self._module_path}",
            ) from error
        except MultipleTokensReturned as error:
            raise EcertError(
                "ambiguous_token",
                f"有多个标签为 {self._token_label} 的令牌，请给每个令牌不同的标签",
                f"more than one token is labelled {self._token_label}; give each a unique label",
            ) from error
        login = _login_acquire(self._module_path, token, self._user_pin)
        try:
            self._session = token.open(rw=True)  # in the user state through the shared login
        except PKCS11Error as error:
            _login_release(login)
            raise self._token_error("open a session", error) from error
        self._login = login
        return self._session

    def _objects(self, label: str | None, object_class: ObjectClass | None) -> list[pkcs11.Object]:
        template: dict[Attribute, object] = {}
        if label is not None:
            template[Attribute.LABEL] = label
        if object_class is not None:
            template[Attribute.CLASS] = object_class
        session = self._open()
        try:
            return list(session.get_objects(template))
        except PKCS11Error as error:
            raise self._token_error("search for keys", error) from error

    def _private_key(self, label: str) -> SignMixin:
        key = self._private_keys.get(label)
        if key is None:
            found = self._objects(label, ObjectClass.PRIVATE_KEY)
            if not found:
                raise _unknown_key(label, self._where)
            if not isinstance(found[0], SignMixin):  # python-pkcs11 adds it when CKA_SIGN is set
                raise EcertError(
                    "unsupported_key",
                    f"{self._where[0]}中标签为 {label} 的私钥不能用于签名",
                    f"the private key labelled {label} in {self._where[1]} may not sign",
                )
            key = self._private_keys[label] = found[0]
        return key


class Pkcs11Signer:
    """A key on a token. It signs through its store, so it outlives the store's close and reopen."""

    def __init__(
        self, store: Pkcs11KeyStore, label: str, algorithm: Algorithm, spki_der: bytes
    ) -> None:
        self._store = store
        self._label = label
        self._algorithm = algorithm
        self._spki_der = spki_der

    @property
    def algorithm(self) -> Algorithm:
        return self._algorithm

    def public_key_der(self) -> bytes:
        return self._spki_der

    def sign(self, data: bytes) -> bytes:
        return self._store._sign(self._label, self._algorithm, data)


def _public_key_info(public: pkcs11.Object, label: str) -> tuple[Algorithm, bytes]:
    """Algorithm and DER SubjectPublicKeyInfo of a token's P-256 or Ed25519 public key object."""
    key_type = public[Attribute.KEY_TYPE]
    params = bytes(public[Attribute.EC_PARAMS])
    point = bytes(public[Attribute.EC_POINT])
    key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
    try:
        if key_type == KeyType.EC and params == _P256_PARAMS:
            raw = _octet_string(point, _P256_POINT_LENGTH)
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
            algorithm = Algorithm.ES256
        elif key_type == KeyType.EC_EDWARDS and params in (_ED25519_PARAMS, _ED25519_NAME_PARAMS):
            key = ed25519.Ed25519PublicKey.from_public_bytes(
                _octet_string(point, _ED25519_POINT_LENGTH)
            )
            algorithm = Algorithm.EDDSA
        else:
            key_type_name = getattr(key_type, "name", key_type)
            raise EcertError(
                "unsupported_key",
                f"令牌上的密钥 {label} 不是 P-256 或 Ed25519 密钥（{key_type_name}）",
                f"the key {label} on the token is neither P-256 nor Ed25519 ({key_type_name})",
            )
    except EcertError:
        raise
    except ValueError as error:
        raise EcertError(
            "bad_public_key",
            f"令牌上密钥 {label} 的公钥无法解析",
            f"cannot parse the public key of {label} on the token",
        ) from error
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return algorithm, der


def _octet_string(value: bytes, length: int) -> bytes:
    """CKA_EC_POINT is a DER OCTET STRING by the standard; some modules give the bare bytes."""
    if len(value) == length:
        return value
    if len(value) == length + 2 and value[0] == 0x04 and value[1] == length:
        return value[2:]
    raise ValueError(f"EC point of {len(value)} bytes, expected {length}")
