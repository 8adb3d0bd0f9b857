"""Key stores: encrypted PEM files and a real SoftHSM2 token behind PKCS#11."""

from __future__ import annotations

import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pkcs11
import pytest
from pkcs11 import Attribute, ObjectClass
from pkcs11.exceptions import AttributeSensitive

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm, load_verification_key
from ecert.core.formats.cose import decode_sign1, sign1, verify_sign1
from ecert.core.formats.keystore import FileKeyStore, KeyStore, Pkcs11KeyStore

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL = "ecert-test"
USER_PIN = "246810"
SO_PIN = "13579111"
PASSWORD = b"correct horse battery staple"
LABEL = "sd-hrss-2026"

StoreFactory = Callable[[], KeyStore]


@pytest.fixture
def softhsm_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SoftHSM2 token in this test's own token directory; yields its label."""
    util = shutil.which("softhsm2-util")
    if util is None or not Path(SOFTHSM_MODULE).exists():
        pytest.fail(
            f"SoftHSM2 is not installed (need softhsm2-util and {SOFTHSM_MODULE}): "
            "apt-get install softhsm2 — the key store tests run against a real token",
            pytrace=False,
        )
    token_dir = tmp_path / "tokens"
    token_dir.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {token_dir}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            util,
            "--init-token",
            "--free",
            "--label",
            TOKEN_LABEL,
            "--pin",
            USER_PIN,
            "--so-pin",
            SO_PIN,
        ],
        check=True,
        capture_output=True,
    )
    # python-pkcs11 loads the module once per process; SoftHSM2 reads SOFTHSM2_CONF and finds
    # tokens at C_Initialize, so start it again for this test's directory.
    library = pkcs11.lib(SOFTHSM_MODULE)
    library.reinitialize()
    yield TOKEN_LABEL
    library.finalize()  # ends any session or login the test left open


@pytest.fixture
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory of store objects of one kind ("file" or "pkcs11") over the same keys."""
    opened: list[Pkcs11KeyStore] = []
    if request.param == "file":

        def factory() -> KeyStore:
            return FileKeyStore(tmp_path / "keys", PASSWORD)

    else:
        token_label = request.getfixturevalue("softhsm_token")

        def factory() -> KeyStore:
            store = Pkcs11KeyStore(SOFTHSM_MODULE, token_label, USER_PIN)
            opened.append(store)
            return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def token_store(softhsm_token: str) -> Iterator[Pkcs11KeyStore]:
    with Pkcs11KeyStore(SOFTHSM_MODULE, softhsm_token, USER_PIN) as store:
        yield store


BOTH_STORES = pytest.mark.parametrize("open_store", ["file", "pkcs11"], indirect=True)


def _close(store: KeyStore) -> None:
    if isinstance(store, Pkcs11KeyStore):
        store.close()


@pytest.mark.parametrize(
    ("open_store", "algorithm"),
    [
        ("file", Algorithm.ES256),
        ("file", Algorithm.EDDSA),
        ("file", Algorithm.SM2_SM3),
        ("pkcs11", Algorithm.ES256),
        ("pkcs11", Algorithm.EDDSA),
    ],
    indirect=["open_store"],
)
def test_signature_from_store_verifies(open_store: StoreFactory, algorithm: Algorithm) -> None:
    signer = open_store().generate(LABEL, algorithm)
    key = load_verification_key(signer.public_key_der())
    assert key.algorithm is algorithm is signer.algorithm

    signature = signer.sign(b"credential 37010020260001")
    assert len(signature) == 64
    assert key.verify(b"credential 37010020260001", signature)
    assert not key.verify(b"credential 37010020260002", signature)

    message = decode_sign1(sign1(b"payload", signer, kid=LABEL.encode()))
    assert message.kid == LABEL.encode()
    assert verify_sign1(message, key)


@BOTH_STORES
def test_key_survives_reopening_the_store(open_store: StoreFactory) -> None:
    first = open_store()
    public_der = first.generate(LABEL, Algorithm.ES256).public_key_der()
    _close(first)

    signer = open_store().signer(LABEL)
    assert signer.public_key_der() == public_der
    assert load_verification_key(public_der).verify(b"data", signer.sign(b"data"))


@BOTH_STORES
def test_duplicate_label_is_refused(open_store: StoreFactory) -> None:
    store = open_store()
    public_der = store.generate(LABEL, Algorithm.ES256).public_key_der()

    with pytest.raises(EcertError) as refused:
        store.generate(LABEL, Algorithm.EDDSA)
    assert refused.value.code == "duplicate_label"
    assert store.signer(LABEL).public_key_der() == public_der


@BOTH_STORES
def test_unknown_label_gives_unknown_key(open_store: StoreFactory) -> None:
    with pytest.raises(EcertError) as missing:
        open_store().signer("no-such-key")
    assert missing.value.code == "unknown_key"


@BOTH_STORES
def test_labels_lists_existing_keys(open_store: StoreFactory) -> None:
    store = open_store()
    assert store.labels() == []
    store.generate("sd-hrss-2026", Algorithm.ES256)
    store.generate("ha-housing.1", Algorithm.EDDSA)
    assert store.labels() == ["ha-housing.1", "sd-hrss-2026"]


@BOTH_STORES
def test_destroy_removes_the_key(open_store: StoreFactory) -> None:
    store = open_store()
    store.generate(LABEL, Algorithm.ES256)
    store.generate("kept", Algorithm.ES256)

    store.destroy(LABEL)
    assert store.labels() == ["kept"]
    with pytest.raises(EcertError) as missing:
        store.signer(LABEL)
    assert missing.value.code == "unknown_key"
    with pytest.raises(EcertError) as again:
        store.destroy(LABEL)
    assert again.value.code == "unknown_key"


@BOTH_STORES
def test_invalid_label_is_refused(open_store: StoreFactory) -> None:
    store = open_store()
    for label in ["", "Upper", "../escape", "-lead", "a/b", "key\n", "k" * 65, "密钥"]:
        with pytest.raises(EcertError) as refused:
            store.generate(label, Algorithm.ES256)
        assert refused.value.code == "bad_label", label
    assert store.labels() == []


# --- file store ---------------------------------------------------------------------------------


def test_file_store_wrong_password_gives_wrong_password(tmp_path: Path) -> None:
    FileKeyStore(tmp_path, PASSWORD).generate(LABEL, Algorithm.ES256)

    with pytest.raises(EcertError) as refused:
        FileKeyStore(tmp_path, b"wrong password").signer(LABEL)
    assert refused.value.code == "wrong_password"
    assert LABEL in str(refused.value)


def test_file_store_refuses_an_empty_password(tmp_path: Path) -> None:
    with pytest.raises(EcertError) as refused:
        FileKeyStore(tmp_path, b"")
    assert refused.value.code == "empty_password"


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_key_file_is_owner_only_and_encrypted(tmp_path: Path, algorithm: Algorithm) -> None:
    directory = tmp_path / "keys" / "signing"
    FileKeyStore(directory, PASSWORD).generate(LABEL, algorithm)

    assert sorted(p.name for p in directory.iterdir()) == [f"{LABEL}.pem"]  # no temporary left
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    key_file = directory / f"{LABEL}.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    pem = key_file.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert b"BEGIN PRIVATE KEY" not in pem


# --- PKCS#11 store ------------------------------------------------------------------------------


def test_token_wrong_pin_gives_wrong_pin(softhsm_token: str) -> None:
    with (
        Pkcs11KeyStore(SOFTHSM_MODULE, softhsm_token, "000000") as store,
        pytest.raises(EcertError) as refused,
    ):
        store.labels()
    assert refused.value.code == "wrong_pin"

    with Pkcs11KeyStore(SOFTHSM_MODULE, softhsm_token, USER_PIN) as store:
        assert store.labels() == []


def test_token_wrong_pin_is_refused_while_another_store_is_logged_in(
    token_store: Pkcs11KeyStore,
) -> None:
    token_store.generate(LABEL, Algorithm.ES256)

    with (
        Pkcs11KeyStore(SOFTHSM_MODULE, TOKEN_LABEL, "000000") as intruder,
        pytest.raises(EcertError) as refused,
    ):
        intruder.signer(LABEL)
    assert refused.value.code == "wrong_pin"


def test_closing_one_token_store_leaves_the_other_signing(token_store: Pkcs11KeyStore) -> None:
    token_store.generate(LABEL, Algorithm.ES256)
    with Pkcs11KeyStore(SOFTHSM_MODULE, TOKEN_LABEL, USER_PIN) as other:
        other_signer = other.signer(LABEL)

    signer = token_store.signer(LABEL)
    signature = signer.sign(b"data")
    assert load_verification_key(other_signer.public_key_der()).verify(b"data", signature)


def test_closing_the_token_store_logs_out(token_store: Pkcs11KeyStore) -> None:
    token_store.generate(LABEL, Algorithm.ES256)
    token_store.close()

    token = pkcs11.lib(SOFTHSM_MODULE).get_token(token_label=TOKEN_LABEL)
    with token.open(user_pin=USER_PIN) as session:  # UserAlreadyLoggedIn if the login leaked
        assert list(session.get_objects({Attribute.LABEL: LABEL}))


def test_token_signer_still_signs_after_the_store_is_reopened(token_store: Pkcs11KeyStore) -> None:
    signer = token_store.generate(LABEL, Algorithm.EDDSA)
    token_store.close()

    signature = signer.sign(b"data")
    assert load_verification_key(signer.public_key_der()).verify(b"data", signature)


def test_private_key_on_token_is_not_extractable(token_store: Pkcs11KeyStore) -> None:
    token_store.generate(LABEL, Algorithm.ES256)
    token_store.close()

    token = pkcs11.lib(SOFTHSM_MODULE).get_token(token_label=TOKEN_LABEL)
    with token.open(user_pin=USER_PIN) as session:
        (private_key,) = session.get_objects(
            {Attribute.LABEL: LABEL, Attribute.CLASS: ObjectClass.PRIVATE_KEY}
        )
        assert private_key[Attribute.SENSITIVE] is True
        assert private_key[Attribute.EXTRACTABLE] is False
        assert private_key[Attribute.ID] == LABEL.encode()
        with pytest.raises(AttributeSensitive):
            private_key[Attribute.VALUE]


def test_sm2_on_token_gives_unsupported_in_store(token_store: Pkcs11KeyStore) -> None:
    with pytest.raises(EcertError) as refused:
        token_store.generate(LABEL, Algorithm.SM2_SM3)
    assert refused.value.code == "unsupported_in_store"
    assert "file key store" in refused.value.en
    assert token_store.labels() == []


def test_unknown_token_gives_unknown_token(softhsm_token: str) -> None:
    with (
        Pkcs11KeyStore(SOFTHSM_MODULE, "no-such-token", USER_PIN) as store,
        pytest.raises(EcertError) as missing,
    ):
        store.labels()
    assert missing.value.code == "unknown_token"


def test_missing_module_gives_module_unavailable(tmp_path: Path) -> None:
    with (
        Pkcs11KeyStore(str(tmp_path / "missing.so"), TOKEN_LABEL, USER_PIN) as store,
        pytest.raises(EcertError) as missing,
    ):
        store.labels()
    assert missing.value.code == "module_unavailable"
