"""One typed settings object, read from an INI file, the environment and flags.

Precedence (lowest to highest): built-in defaults < INI file < environment
variables < command-line flags. The INI file uses Zaqar's own section and
option names wherever Zaqar has them, so an operator can reuse a zaqar.conf.
Every option is declared once in ``OPTIONS``; ``etc/zaqar-lite.conf`` and
``docs/configuration.md`` describe the same table.
"""

from __future__ import annotations

import configparser
import dataclasses
import os
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

CONFIG_ENV = "ZAQAR_LITE_CONFIG"
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""Where the workers of one server keep their metrics (prometheus_client's name)."""


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the option."""


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected a boolean (true/false), got {text!r}")


def _parse_port(text: str) -> int:
    value = int(text.strip())
    if not 1 <= value <= 65535:
        raise ValueError(f"expected a port from 1 to 65535, got {value}")
    return value


def _parse_auto_or_positive(text: str) -> int | None:
    """``auto`` (None: chosen at start-up) or an integer >= 1."""
    if text.strip().lower() == "auto":
        return None
    return _parse_positive_int(text)


def _parse_positive_int(text: str) -> int:
    value = int(text.strip())
    if value < 1:
        raise ValueError(f"expected an integer >= 1, got {value}")
    return value


def _parse_non_negative_int(text: str) -> int:
    value = int(text.strip())
    if value < 0:
        raise ValueError(f"expected an integer >= 0, got {value}")
    return value


def _parse_choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return value

    return parse


def _parse_storage_url(text: str) -> str:
    url = text.strip()
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return url
    if url.startswith("mongodb://"):
        mongodb_database(url)
        return url
    if url.startswith("mongodb+srv://"):
        # Checking more would look up DNS records; the driver reports the rest.
        return url
    raise ValueError(
        "expected sqlite:///relative.db, sqlite:////absolute.db or mongodb://host/..., "
        f"got {text!r}"
    )


def mongodb_database(url: str) -> str | None:
    """The database a ``mongodb://`` URL names (``/dbname``), or None.

    Raises ValueError with pymongo's reason if the URL is malformed. A
    ``mongodb+srv://`` URL is only split, since parsing it looks up DNS records.
    """
    if url.startswith("mongodb+srv://"):
        return urllib.parse.urlsplit(url).path.strip("/") or None
    from pymongo import uri_parser
    from pymongo.errors import PyMongoError

    try:
        parsed = uri_parser.parse_uri(url, warn=True)
    except (PyMongoError, ValueError) as exc:
        raise ValueError(f"malformed MongoDB URI {url!r}: {exc}") from None
    database: str | None = parsed["database"]
    return database


def _parse_str(text: str) -> str:
    return text.strip()


DEPRECATED_API_VERSIONS = ("1", "1.1")


def _parse_api_versions(text: str) -> tuple[str, ...]:
    """A comma list of deprecated API versions to serve; empty serves none."""
    versions = tuple(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))
    unknown = [version for version in versions if version not in DEPRECATED_API_VERSIONS]
    if unknown:
        raise ValueError(
            f"expected a comma list of {', '.join(DEPRECATED_API_VERSIONS)}, got {text!r}")
    return versions


@dataclasses.dataclass(frozen=True)
class Option:
    """One setting: where it lives in the INI file, its variable and parser."""

    field: str
    section: str
    name: str
    parse: Callable[[str], Any]
    help: str
    empty_means_value: bool = False
    """An empty value is a value (e.g. "no versions"), not "unset"."""

    @property
    def env(self) -> str:
        return "ZAQAR_LITE_" + self.field.upper()


_MONGO = "drivers:message_store:mongodb"
_SQLITE = "drivers:message_store:sqlite"
_WSGI = "drivers:transport:wsgi"
_positive = _parse_positive_int
_non_negative = _parse_non_negative_int

OPTIONS: tuple[Option, ...] = (
    Option("debug", "DEFAULT", "debug", _parse_bool, "Log at DEBUG level."),
    Option("enable_checksum", "DEFAULT", "enable_checksum", _parse_bool,
           "Store an MD5 `checksum` of each posted body and show it in v1.1 and v2 messages."),
    Option("deprecated_api_versions", "DEFAULT", "enable_deprecated_api_versions",
           _parse_api_versions,
           "Legacy API versions to serve besides v2 (comma list of 1, 1.1; empty: none).",
           empty_means_value=True),
    Option("access_log", "DEFAULT", "access_log", _parse_bool,
           "Log every request at INFO (request id, method, path, status, duration, project)."),
    Option("unreliable", "DEFAULT", "unreliable", _parse_bool,
           "Allow a MongoDB without replication (a single mongod); writes are still "
           "journaled."),
    Option("message_store", "drivers", "message_store", _parse_choice("sqlite", "mongodb"),
           "Which store serves messages when no storage URL is given."),
    Option("storage", "drivers", "storage_url", _parse_storage_url,
           "A storage URL that overrides message_store and the per-driver URIs."),
    Option("mongodb_uri", _MONGO, "uri", _parse_storage_url, "MongoDB connection URI."),
    Option("mongodb_database", _MONGO, "database", _parse_str, "MongoDB database name."),
    Option("mongodb_max_reconnect_attempts", _MONGO, "max_reconnect_attempts", _non_negative,
           "Retries of an operation interrupted by a lost connection or fail-over."),
    Option("sqlite_uri", _SQLITE, "uri", _parse_storage_url,
           "SQLite database file, as an SQLAlchemy-style URL."),
    Option("bind", _WSGI, "bind", _parse_str, "Address to listen on."),
    Option("port", _WSGI, "port", _parse_port, "Port to listen on."),
    Option("workers", _WSGI, "workers", _parse_auto_or_positive,
           "Worker processes; auto: one per CPU."),
    Option("threads", _WSGI, "threads", _parse_auto_or_positive,
           "Request threads per worker; auto: 1 with SQLite (its writes queue anyway), "
           "8 with MongoDB (to overlap network waits)."),
    Option("timeout", _WSGI, "timeout", _positive,
           "Seconds before a silent worker is restarted."),
    Option("request_timeout", _WSGI, "request_timeout", _positive,
           "Seconds a request (headers and body) may take to arrive; then 408 and close."),
    Option("keepalive", _WSGI, "keepalive", _positive,
           "Seconds an idle kept-alive connection stays open."),
    Option("max_queues_per_page", "transport", "max_queues_per_page", _positive,
           "Maximum queues per list page."),
    Option("max_messages_per_page", "transport", "max_messages_per_page", _positive,
           "Maximum messages per list page, and ids per get or delete."),
    Option("max_messages_per_claim_or_pop", "transport", "max_messages_per_claim_or_pop",
           _positive, "Maximum messages per claim or pop."),
    Option("max_queue_metadata", "transport", "max_queue_metadata", _positive,
           "Maximum size in bytes of a queue metadata body."),
    Option("max_messages_post_size", "transport", "max_messages_post_size", _positive,
           "Maximum size in bytes of a message post body."),
    Option("max_message_ttl", "transport", "max_message_ttl", _positive,
           "Maximum message TTL in seconds."),
    Option("max_message_delay", "transport", "max_message_delay", _non_negative,
           "Maximum message delay in seconds."),
    Option("max_claim_ttl", "transport", "max_claim_ttl", _positive,
           "Maximum claim TTL in seconds."),
    Option("max_claim_grace", "transport", "max_claim_grace", _positive,
           "Maximum claim grace in seconds."),
    Option("default_message_ttl", "transport", "default_message_ttl", _positive,
           "TTL of messages posted without one (queues may override)."),
    Option("default_message_delay", "transport", "default_message_delay", _non_negative,
           "Delay of messages posted without one (queues may override)."),
    Option("default_claim_ttl", "transport", "default_claim_ttl", _positive,
           "Claim TTL when a claim request omits it."),
    Option("default_claim_grace", "transport", "default_claim_grace", _positive,
           "Claim grace when a claim request omits it."),
    Option("client_id_uuid_safe", "transport", "client_id_uuid_safe",
           _parse_choice("strict", "off"),
           "strict: Client-ID must be a UUID; off: any string within the length bounds."),
    Option("min_length_client_id", "transport", "min_length_client_id", _positive,
           "Shortest Client-ID accepted when client_id_uuid_safe = off."),
    Option("max_length_client_id", "transport", "max_length_client_id", _positive,
           "Longest Client-ID accepted when client_id_uuid_safe = off."),
    Option("message_delete_with_claim_id", "transport", "message_delete_with_claim_id",
           _parse_bool, "Bulk deletes must also name the claims of the messages."),
)

_BY_FIELD = {option.field: option for option in OPTIONS}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every setting zaqar-lite reads, typed; build it with ``load_settings``."""

    debug: bool = False
    enable_checksum: bool = False
    deprecated_api_versions: tuple[str, ...] = DEPRECATED_API_VERSIONS
    unreliable: bool = False
    access_log: bool = True
    message_store: str = "sqlite"
    mongodb_uri: str = "mongodb://127.0.0.1:27017"
    mongodb_database: str = "zaqar"
    mongodb_max_reconnect_attempts: int = 10
    sqlite_uri: str = "sqlite:///zaqar-lite.db"
    storage: str = ""
    bind: str = "127.0.0.1"
    port: int = 8888
    workers: int | None = None
    threads: int | None = None
    timeout: int = 30
    request_timeout: int = 10
    keepalive: int = 75
    max_queues_per_page: int = 20
    max_messages_per_page: int = 20
    max_messages_per_claim_or_pop: int = 20
    max_queue_metadata: int = 65536
    max_messages_post_size: int = 262144
    max_message_ttl: int = 1209600
    max_message_delay: int = 900
    max_claim_ttl: int = 43200
    max_claim_grace: int = 43200
    default_message_ttl: int = 3600
    default_message_delay: int = 0
    default_claim_ttl: int = 300
    default_claim_grace: int = 60
    client_id_uuid_safe: str = "strict"
    min_length_client_id: int = 10
    max_length_client_id: int = 36
    message_delete_with_claim_id: bool = False

    @property
    def storage_url(self) -> str:
        """The store to open: an explicit URL, else the chosen driver's URI."""
        url: str = getattr(self, self.storage_field)
        return url

    @property
    def storage_field(self) -> str:
        """The setting that names the store (for messages about it)."""
        if self.storage:
            return "storage"
        return "mongodb_uri" if self.message_store == "mongodb" else "sqlite_uri"

    @property
    def mongodb_database_name(self) -> str:
        """The database of a MongoDB store: the URL's ``/dbname`` if it has one,
        else ``[drivers:message_store:mongodb] database``."""
        return mongodb_database(self.storage_url) or self.mongodb_database

    @property
    def worker_processes(self) -> int:
        """``workers``, or one per CPU this process may run on."""
        return self.workers or len(os.sched_getaffinity(0))

    @property
    def request_threads(self) -> int:
        """``threads``, or what suits the store: SQLite serialises its writes on one
        lock, so more threads only contend; MongoDB requests wait on the network."""
        if self.threads:
            return self.threads
        return 8 if self.storage_url.startswith("mongodb") else 1

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _check_consistency(settings: Settings) -> None:
    if settings.default_message_ttl > settings.max_message_ttl:
        raise ConfigError(
            "[transport] default_message_ttl must not exceed max_message_ttl "
            f"({settings.default_message_ttl} > {settings.max_message_ttl})"
        )
    if settings.default_message_ttl < 60:
        raise ConfigError("[transport] default_message_ttl must be at least 60")
    if settings.default_claim_ttl < 60 or settings.default_claim_ttl > settings.max_claim_ttl:
        raise ConfigError("[transport] default_claim_ttl must be within 60 ... max_claim_ttl")
    if (settings.default_claim_grace < 60
            or settings.default_claim_grace > settings.max_claim_grace):
        raise ConfigError(
            "[transport] default_claim_grace must be within 60 ... max_claim_grace")
    if settings.default_message_delay > settings.max_message_delay:
        raise ConfigError(
            "[transport] default_message_delay must not exceed max_message_delay")
    if settings.min_length_client_id > settings.max_length_client_id:
        raise ConfigError(
            "[transport] min_length_client_id must not exceed max_length_client_id")


def _parse(option: Option, text: str, origin: str) -> Any:
    try:
        return option.parse(text)
    except ValueError as exc:
        raise ConfigError(
            f"invalid value for [{option.section}] {option.name} ({origin}): {exc}"
        ) from None


def read_ini(path: str) -> dict[str, Any]:
    """Values set in an INI file, keyed by Settings field; unknown options are ignored."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc.strerror}") from None
    except configparser.Error as exc:
        raise ConfigError(f"cannot parse configuration file {path}: {exc}") from None
    values: dict[str, Any] = {}
    for option in OPTIONS:
        if option.section == "DEFAULT":
            raw = parser.defaults().get(option.name)
        elif parser.has_section(option.section):
            raw = parser.get(option.section, option.name, fallback=None)
        else:
            raw = None
        if raw is not None and (raw.strip() != "" or option.empty_means_value):
            values[option.field] = _parse(option, raw, path)
    return values


def read_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """Values set by ``ZAQAR_LITE_<FIELD>`` environment variables."""
    values: dict[str, Any] = {}
    for option in OPTIONS:
        raw = environ.get(option.env)
        if raw is not None and (raw.strip() != "" or option.empty_means_value):
            values[option.field] = _parse(option, raw, f"environment {option.env}")
    return values


def redacted_url(url: str) -> str:
    """A storage URL without any password, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


def option_name(field: str) -> str:
    """``[section] name`` of a setting, as messages about it spell it."""
    option = _BY_FIELD[field]
    return f"[{option.section}] {option.name}"


def parse_flag(field: str, text: str, *, flag: str | None = None) -> Any:
    """Parse a command-line flag value with the option's own parser; ``flag`` names
    the flag it came from when that is not the setting's own name."""
    option = _BY_FIELD[field]
    return _parse(option, text, f"flag --{(flag or field).replace('_', '-')}")


def load_settings(
    config_file: str | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build Settings from defaults, the INI file, the environment and overrides.

    ``config_file`` defaults to ``$ZAQAR_LITE_CONFIG``; ``overrides`` are already
    parsed flag values. Raises ConfigError naming the offending option.
    """
    environ = os.environ if environ is None else environ
    path = config_file or environ.get(CONFIG_ENV) or None
    values: dict[str, Any] = {}
    if path:
        values.update(read_ini(path))
    values.update(read_env(environ))
    values.update(overrides or {})
    settings = Settings(**values)
    _check_consistency(settings)
    return settings
