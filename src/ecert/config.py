"""Reading ecert's configuration from the environment.

Pure functions so that settings.py stays declarative and the rules are testable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ecert.core.errors import EcertError
from ecert.core.identity.pii import PiiCipher

DEVELOPMENT_SECRET_KEY = "ecert-development-only-secret-key-not-for-production"  # noqa: S105
DEVELOPMENT_PII_KEY = "ZWNlcnQtZGV2ZWxvcG1lbnQtcGlpLWtleS0zMmJ5dGU="  # base64 of a fixed 32 bytes
DEVELOPMENT_KEY_PASSWORD = "ecert-development-only-key-password"  # noqa: S105
SQLITE_BUSY_TIMEOUT_SECONDS = 20
REPLICA_CONNECT_TIMEOUT = "2"  # seconds, libpq's connect_timeout (decision 286)


@dataclass(frozen=True)
class Config:
    mode: str
    debug: bool
    secret_key: str
    pii_key: str
    data_dir: Path
    allowed_hosts: list[str]
    database: dict[str, Any]
    verify_host: str
    keystore: KeyStoreConfig
    carrier: CarrierConfig | None = None
    # Months after its arrival a paper certificate still at its unit counts as not collected
    # (逾期不领取, seed 002 四); docs/distribution.md.
    paper_overdue_months: int = 12
    # Holders' sign-in through the province's government service (docs/holders.md); None: only
    # the ID number and password form.
    oidc: OidcConfig | None = None
    # A streaming replica of the PostgreSQL primary that verification reads from (docs/scaling.md);
    # None: every read goes to the primary.
    database_replica: dict[str, Any] | None = None
    # A cache shared by every application server (ECERT_CACHE_URL, Redis): the Django CACHES entry;
    # None: the file cache in ECERT_DATA_DIR/cache, shared by the processes of one machine only.
    cache: dict[str, Any] | None = None
    # The scheme of the verification URL in QR codes (docs/operations.md): https, or http for a
    # development server that serves plain HTTP, as the demo does.
    verify_scheme: str = "https"
    # Who moves the verification spool into the log on PostgreSQL (docs/verification.md): "thread",
    # a thread in every process that logs a verification, and `ecert worker`; or "worker", only
    # `ecert worker` and reading the log (the test suite, which drains when it means to).
    spool_drain: str = "thread"
    spool_sync: str = "interval"


@dataclass(frozen=True)
class CarrierConfig:
    """The HTTP mail carrier (docs/operations.md, "Mail carrier"); absent: files only."""

    url: str
    key: str
    timeout: float = 20.0


@dataclass(frozen=True)
class OidcConfig:
    """An OpenID provider that verifies holders' identity (docs/holders.md, "Signing in through
    a government service")."""

    issuer: str
    client_id: str
    client_secret: str
    provider_name: str  # shown on the button: 通过{provider_name}登录
    id_number_claim: str = "id_number"
    verified_claim: str = ""  # a claim that must be true, when the provider has one
    scope: str = "openid profile"
    timeout: float = 10.0

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class KeyStoreConfig:
    """Where signing keys live: encrypted PEM files (default) or a PKCS#11 token."""

    kind: str  # "file" or "pkcs11"
    directory: Path  # for "file"
    password: str  # for "file"
    pkcs11_module: str = ""
    pkcs11_token: str = ""
    pkcs11_pin: str = ""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def database_from_url(url: str, variable: str = "DATABASE_URL") -> dict[str, Any]:
    """Turn `postgres://user:pass@host:port/name?opt=val` into a Django DATABASES entry;
    ``variable`` names the setting in an error."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise EcertError(
            "database_not_postgresql",
            f"{variable} 只支持 PostgreSQL（postgres://…），收到 {parts.scheme}://",
            f"{variable} supports PostgreSQL only (postgres://…); got {parts.scheme}://",
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise EcertError(
            "database_unnamed", f"{variable} 缺少数据库名", f"{variable} has no database name"
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": dict(parse_qsl(parts.query)),
    }


def replica_from_env(env: Mapping[str, str], primary: dict[str, Any]) -> dict[str, Any] | None:
    """DATABASE_REPLICA_URL: a streaming replica of the DATABASE_URL primary (docs/scaling.md),
    or None when unset. It needs a PostgreSQL primary and must be another server than it. Without
    a connect_timeout of its own it gets REPLICA_CONNECT_TIMEOUT, so that a replica that does not
    answer at all holds a verification up that long at most before it is read from the primary
    (ecert.replicas). In tests the alias mirrors the primary's test database (Django's TEST
    MIRROR)."""
    url = env.get("DATABASE_REPLICA_URL", "").strip()
    if not url:
        return None
    if primary["ENGINE"] != "django.db.backends.postgresql":
        raise EcertError(
            "replica_without_primary",
            "设置 DATABASE_REPLICA_URL 时须同时以 DATABASE_URL 指定 PostgreSQL 主库",
            "DATABASE_REPLICA_URL needs a PostgreSQL primary in DATABASE_URL",
        )
    replica = database_from_url(url, "DATABASE_REPLICA_URL")
    where = ("HOST", "PORT", "NAME")
    if [replica[k] for k in where] == [primary[k] for k in where]:
        raise EcertError(
            "replica_is_primary",
            "DATABASE_REPLICA_URL 与 DATABASE_URL 指向同一个数据库；只读副本须是另一台服务器",
            "DATABASE_REPLICA_URL names the same database as DATABASE_URL; a replica is "
            "another server",
        )
    replica["OPTIONS"].setdefault("connect_timeout", REPLICA_CONNECT_TIMEOUT)
    return replica | {"TEST": {"MIRROR": "default"}}


def sqlite_database(data_dir: Path) -> dict[str, Any]:
    """The embedded default: one SQLite file in WAL mode with IMMEDIATE write transactions."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": data_dir / "ecert.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000};"
                "PRAGMA foreign_keys=ON;"
            ),
        },
    }


def read_config(env: Mapping[str, str] | None = None, *, cwd: Path | None = None) -> Config:
    """Build the configuration; in production, refuse development secrets and debug mode."""
    env = os.environ if env is None else env
    mode = env.get("ECERT_MODE", "development").strip().lower()
    if mode not in {"development", "production"}:
        raise EcertError(
            "bad_mode",
            f"ECERT_MODE 只能是 development 或 production，收到 {mode!r}",
            f"ECERT_MODE must be development or production; got {mode!r}",
        )
    debug = _flag(env.get("ECERT_DEBUG"))
    secret_key = env.get("ECERT_SECRET_KEY") or DEVELOPMENT_SECRET_KEY
    pii_key = env.get("ECERT_PII_KEY") or DEVELOPMENT_PII_KEY
    if mode == "production":
        problems: list[tuple[str, str]] = []
        if secret_key == DEVELOPMENT_SECRET_KEY or len(secret_key) < 50:
            problems.append(
                (
                    "ECERT_SECRET_KEY 未设置或过短（至少 50 个字符）",
                    "ECERT_SECRET_KEY is unset or shorter than 50 characters",
                )
            )
        if pii_key == DEVELOPMENT_PII_KEY:
            problems.append(
                (
                    "ECERT_PII_KEY 未设置（个人信息加密密钥）",
                    "ECERT_PII_KEY (personal-data encryption key) is unset",
                )
            )
        if debug:
            problems.append(
                ("生产模式不得开启 ECERT_DEBUG", "ECERT_DEBUG must be off in production")
            )
        if env.get("ECERT_KEYSTORE", "file") == "file" and not env.get("ECERT_KEY_PASSWORD"):
            problems.append(
                (
                    "ECERT_KEY_PASSWORD 未设置（签名私钥文件口令）",
                    "ECERT_KEY_PASSWORD (signing key file password) is unset",
                )
            )
        if problems:
            raise EcertError(
                "unsafe_production",
                "生产模式拒绝启动：" + "；".join(zh for zh, _ in problems),
                "refusing to start in production: " + "; ".join(en for _, en in problems),
            )
    try:
        PiiCipher(pii_key)
    except EcertError as error:
        raise EcertError(
            error.code, f"拒绝启动：{error.zh}", f"refusing to start: {error.en}"
        ) from error
    data_dir = Path(env.get("ECERT_DATA_DIR") or (cwd or Path.cwd()) / "var").resolve()
    hosts = [
        h.strip() for h in env.get("ECERT_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    ]
    keystore = _keystore_config(env, data_dir)
    database_url = env.get("DATABASE_URL", "").strip()
    database = database_from_url(database_url) if database_url else sqlite_database(data_dir)
    return Config(
        mode=mode,
        debug=debug,
        secret_key=secret_key,
        pii_key=pii_key,
        data_dir=data_dir,
        allowed_hosts=[h for h in hosts if h],
        database=database,
        verify_host=env.get("ECERT_VERIFY_HOST", "localhost:8000"),
        verify_scheme=verify_scheme(env, mode),
        keystore=keystore,
        carrier=_carrier_config(env, mode),
        paper_overdue_months=paper_overdue_months(env),
        oidc=oidc_config(env, mode),
        database_replica=replica_from_env(env, database),
        spool_drain=spool_drain(env),
        spool_sync=spool_sync(env),
        cache=cache_from_env(env),
    )


def env_choice(
    env: Mapping[str, str], name: str, choices: tuple[str, ...], *, default: str | None = None
) -> str:
    """The value of the variable ``name``, one of ``choices`` (case and spaces aside); unset, the
    ``default`` or else the first choice. Anything else is refused, naming the choices."""
    value = env.get(name, "").strip().lower() or default or choices[0]
    if value not in choices:
        raise EcertError(
            f"bad_{name.removeprefix('ECERT_').lower()}",
            f"{name} 只能是 {' 或 '.join(choices)}，收到 {value!r}",
            f"{name} must be {' or '.join(choices)}; got {value!r}",
        )
    return value


SPOOL_DRAINS = ("thread", "worker")


def spool_drain(env: Mapping[str, str]) -> str:
    """ECERT_SPOOL_DRAIN: "thread" (the default) drains the verification spool in a thread of each
    process that logs a verification on PostgreSQL, "worker" leaves it to `ecert worker` (which
    drains in both cases) and to reading the log."""
    return env_choice(env, "ECERT_SPOOL_DRAIN", SPOOL_DRAINS)


SPOOL_SYNCS = ("interval", "answer")


def spool_sync(env: Mapping[str, str]) -> str:
    """ECERT_VERIFY_LOG_SYNC: when an answered verification's spooled line reaches the disk.
    "interval" (the default): handed to the operating system before the answer goes out, so a
    crash of the server process loses nothing, and synced to the disk within SYNC_SECONDS;
    "answer": synced before the answer goes out, so a power cut loses nothing either (each answer
    then waits for the disk; decision 276)."""
    return env_choice(env, "ECERT_VERIFY_LOG_SYNC", SPOOL_SYNCS)


CACHE_SOCKET_TIMEOUT = 2  # seconds, to connect to the shared cache and for each command


def cache_from_env(env: Mapping[str, str]) -> dict[str, Any] | None:
    """ECERT_CACHE_URL: a Redis server that every application server shares (docs/scaling.md), as
    ``redis://[:password@]host[:port][/db]``, ``rediss://…`` (TLS) or ``unix:///path?db=N``; rate
    limits, quotas and import progress are then counted there, once for all servers. None when
    unset. Connecting and each command wait CACHE_SOCKET_TIMEOUT seconds at most unless the URL
    says otherwise (``?socket_timeout=…&socket_connect_timeout=…``)."""
    url = env.get("ECERT_CACHE_URL", "").strip()
    if not url:
        return None
    shown = _without_password(url)

    def refuse(zh: str, en: str) -> EcertError:
        return EcertError(
            "bad_cache_url",
            f"ECERT_CACHE_URL 无法使用（{zh}），收到 {shown}；"
            "应为 redis://主机:6379/0、rediss://… 或 unix:///路径",
            f"ECERT_CACHE_URL is unusable ({en}); got {shown}; "
            "expected redis://host:6379/0, rediss://… or unix:///path",
        )

    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise refuse("只支持 Redis", "only Redis is supported")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port when it is read
    except ValueError:
        raise refuse("端口无效", "the port is not a number from 0 to 65535") from None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if parts.scheme == "unix":
        if not parts.path:
            raise refuse("缺少套接字路径", "no socket path")
        db = query.get("db", "0")
    else:
        if not parts.hostname:
            raise refuse("缺少主机", "no host")
        db = parts.path.lstrip("/") or query.get("db", "0")
    if not db.isdigit():
        raise refuse("数据库编号须为非负整数", "the database number must be a whole number")
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
            "socket_timeout": CACHE_SOCKET_TIMEOUT,
        },
    }


def _without_password(url: str) -> str:
    """The URL as an error message may show it: a password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{netloc}").geturl()


def verify_scheme(env: Mapping[str, str], mode: str) -> str:
    """ECERT_VERIFY_SCHEME: the scheme printed in QR codes, https (production's default and only
    choice) or http (the development default: ``ecert serve`` and the demo serve plain HTTP, and a
    code must open the page that printed it)."""
    default = "https" if mode == "production" else "http"
    scheme = env_choice(env, "ECERT_VERIFY_SCHEME", ("https", "http"), default=default)
    if mode == "production" and scheme != "https":
        raise EcertError(
            "verify_not_https",
            "生产环境的 ECERT_VERIFY_SCHEME 须为 https（二维码印在证书上，长期有效）",
            "in production ECERT_VERIFY_SCHEME must be https (QR codes are printed for years)",
        )
    return scheme


def _carrier_config(env: Mapping[str, str], mode: str) -> CarrierConfig | None:
    """ECERT_CARRIER_URL and ECERT_CARRIER_KEY together, or neither (then mail goes by files);
    ECERT_CARRIER_TIMEOUT in seconds (20). Production sends the address and phone of holders,
    so it must use https."""
    url = env.get("ECERT_CARRIER_URL", "").strip()
    key = env.get("ECERT_CARRIER_KEY", "").strip()
    if not url and not key:
        return None
    scheme = urlsplit(url).scheme
    if not url or not key or scheme not in {"http", "https"}:
        raise EcertError(
            "bad_carrier",
            "ECERT_CARRIER_URL（http(s)://…）与 ECERT_CARRIER_KEY 须同时设置",
            "set ECERT_CARRIER_URL (http(s)://…) and ECERT_CARRIER_KEY together",
        )
    if mode == "production" and scheme != "https":
        raise EcertError(
            "carrier_not_https",
            "生产环境的 ECERT_CARRIER_URL 须使用 https",
            "in production ECERT_CARRIER_URL must use https",
        )
    try:
        timeout = float(env.get("ECERT_CARRIER_TIMEOUT", "20"))
    except ValueError:
        timeout = 0.0
    if not 0 < timeout <= 300:
        raise EcertError(
            "bad_carrier_timeout",
            "ECERT_CARRIER_TIMEOUT 须为 1 至 300 秒",
            "ECERT_CARRIER_TIMEOUT must be 1 to 300 seconds",
        )
    return CarrierConfig(url=url, key=key, timeout=timeout)


def oidc_config(env: Mapping[str, str], mode: str) -> OidcConfig | None:
    """ECERT_OIDC_ISSUER, ECERT_OIDC_CLIENT_ID and ECERT_OIDC_CLIENT_SECRET together, or none of
    them (then the portal offers only its own sign-in). ECERT_OIDC_PROVIDER_NAME names the service
    on the button; ECERT_OIDC_ID_NUMBER_CLAIM (id_number) and ECERT_OIDC_VERIFIED_CLAIM (none)
    name the claims; ECERT_OIDC_SCOPE ("openid profile") is what is asked for;
    ECERT_OIDC_TIMEOUT (10) is in seconds. Production needs an https issuer."""
    issuer = env.get("ECERT_OIDC_ISSUER", "").strip()
    client_id = env.get("ECERT_OIDC_CLIENT_ID", "").strip()
    secret = env.get("ECERT_OIDC_CLIENT_SECRET", "").strip()
    if not (issuer or client_id or secret):
        return None
    scheme = urlsplit(issuer).scheme
    if not (issuer and client_id and secret) or scheme not in {"http", "https"}:
        raise EcertError(
            "bad_oidc",
            "ECERT_OIDC_ISSUER（http(s)://…）、ECERT_OIDC_CLIENT_ID 与 ECERT_OIDC_CLIENT_SECRET "
            "须同时设置",
            "set ECERT_OIDC_ISSUER (http(s)://…), ECERT_OIDC_CLIENT_ID and "
            "ECERT_OIDC_CLIENT_SECRET together",
        )
    if mode == "production" and scheme != "https":
        raise EcertError(
            "oidc_not_https",
            "生产环境的 ECERT_OIDC_ISSUER 须使用 https",
            "in production ECERT_OIDC_ISSUER must use https",
        )
    scope = env.get("ECERT_OIDC_SCOPE", "").strip() or "openid profile"
    if "openid" not in scope.split():
        raise EcertError(
            "oidc_scope_without_openid",
            f"ECERT_OIDC_SCOPE 须包含 openid，收到 {scope!r}",
            f"ECERT_OIDC_SCOPE must include openid; got {scope!r}",
        )
    try:
        timeout = float(env.get("ECERT_OIDC_TIMEOUT", "10"))
    except ValueError:
        timeout = 0.0
    if not 0 < timeout <= 60:
        raise EcertError(
            "bad_oidc_timeout",
            "ECERT_OIDC_TIMEOUT 须为 1 至 60 秒",
            "ECERT_OIDC_TIMEOUT must be 1 to 60 seconds",
        )
    return OidcConfig(
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        provider_name=env.get("ECERT_OIDC_PROVIDER_NAME", "").strip()[:20] or "政务服务平台",
        id_number_claim=env.get("ECERT_OIDC_ID_NUMBER_CLAIM", "").strip() or "id_number",
        verified_claim=env.get("ECERT_OIDC_VERIFIED_CLAIM", "").strip(),
        scope=scope,
        timeout=timeout,
    )


def paper_overdue_months(env: Mapping[str, str]) -> int:
    """ECERT_PAPER_OVERDUE_MONTHS: a whole number of months from 1 to 120 (default 12)."""
    raw = env.get("ECERT_PAPER_OVERDUE_MONTHS", "").strip()
    if not raw:
        return 12
    if not raw.isdigit() or not 1 <= int(raw) <= 120:
        raise EcertError(
            "bad_overdue_months",
            f"ECERT_PAPER_OVERDUE_MONTHS 须为 1 至 120 的整数，收到 {raw!r}",
            f"ECERT_PAPER_OVERDUE_MONTHS must be a whole number from 1 to 120; got {raw!r}",
        )
    return int(raw)


def _keystore_config(env: Mapping[str, str], data_dir: Path) -> KeyStoreConfig:
    kind = env.get("ECERT_KEYSTORE", "file").strip().lower()
    if kind not in {"file", "pkcs11"}:
        raise EcertError(
            "bad_keystore",
            f"ECERT_KEYSTORE 只能是 file 或 pkcs11，收到 {kind!r}",
            f"ECERT_KEYSTORE must be file or pkcs11; got {kind!r}",
        )
    config = KeyStoreConfig(
        kind=kind,
        directory=Path(env.get("ECERT_KEY_DIR") or data_dir / "keys").resolve(),
        password=env.get("ECERT_KEY_PASSWORD") or DEVELOPMENT_KEY_PASSWORD,
        pkcs11_module=env.get("ECERT_PKCS11_MODULE", ""),
        pkcs11_token=env.get("ECERT_PKCS11_TOKEN", ""),
        pkcs11_pin=env.get("ECERT_PKCS11_PIN", ""),
    )
    if kind == "pkcs11" and not (
        config.pkcs11_module and config.pkcs11_token and config.pkcs11_pin
    ):
        raise EcertError(
            "pkcs11_incomplete",
            "ECERT_KEYSTORE=pkcs11 需要 ECERT_PKCS11_MODULE、ECERT_PKCS11_TOKEN 和 ECERT_PKCS11_PIN",
            "ECERT_KEYSTORE=pkcs11 needs ECERT_PKCS11_MODULE, ECERT_PKCS11_TOKEN and ECERT_PKCS11_PIN",
        )
    return config
