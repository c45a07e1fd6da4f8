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


def _parse_optional_str(text: str) -> str | None:
    return text.strip() or None


def _parse_positive_float(text: str) -> float:
    value = float(text.strip())
    if not value > 0:
        raise ValueError(f"expected a number > 0, got {text!r}")
    return value


def _parse_list(text: str) -> tuple[str, ...]:
    """A comma list (oslo.config's ListOpt)."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _parse_dict(text: str) -> dict[str, str]:
    """``key:value,key:value`` (oslo.config's DictOpt)."""
    pairs: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition(":")
        if not sep:
            raise ValueError(f"expected key:value pairs separated by commas, got {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs


SUBSCRIBER_TYPES = ("http", "https", "mailto", "trust+http", "trust+https")
SMTP_MODES = ("third_part", "self_local", "smtp", "starttls")
DEFAULT_CONFIRMATION_EMAIL = {
    "topic": "Zaqar Notification - Subscription Confirmation",
    "body": "You have chosen to subscribe to the queue: {0}. This queue belongs to project: "
            "{1}. To confirm this subscription, click or visit this link below: {2}",
    "sender": "Zaqar Notifications <no-reply@openstack.org>",
}
DEFAULT_UNSUBSCRIBE_EMAIL = {
    "topic": "Zaqar Notification - Unsubscribe Confirmation",
    "body": "You have unsubscribed successfully to the queue: {0}. This queue belongs to "
            "project: {1}. To resubscribe this subscription, click or visit this link below: "
            "{2}",
    "sender": "Zaqar Notifications <no-reply@openstack.org>",
}

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


_NOTIFICATION = "notification"
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
    Option("mongodb_count_commands", _MONGO, "count_commands", _parse_bool,
           "Count the commands sent to MongoDB in zaqar_store_round_trips_total. It uses "
           "pymongo's command monitoring, which adds about a tenth to a request's CPU time."),
    Option("sqlite_uri", _SQLITE, "uri", _parse_storage_url,
           "SQLite database file, as an SQLAlchemy-style URL."),
    Option("bind", _WSGI, "bind", _parse_str, "Address to listen on."),
    Option("port", _WSGI, "port", _parse_port, "Port to listen on."),
    Option("workers", _WSGI, "workers", _parse_auto_or_positive,
           "Worker processes; auto: one per CPU."),
    Option("threads", _WSGI, "threads", _parse_auto_or_positive,
           "Request threads per worker; auto: 4 with SQLite, 8 with MongoDB (to overlap "
           "network waits). With MongoDB every request but the home documents runs in "
           "them; with SQLite the writes (concurrent ones share a commit), the metrics "
           "page and the health checks. The event loop's own thread runs the rest (with 1, "
           "every request)."),
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
    Option("default_subscription_ttl", "transport", "default_subscription_ttl", _positive,
           "TTL of subscriptions created without one."),
    Option("max_subscriptions_per_page", "transport", "max_subscriptions_per_page", _positive,
           "Maximum subscriptions per list page."),
    Option("subscriber_types", "transport", "subscriber_types", _parse_list,
           "Subscriber URI schemes accepted (trust+http(s) are refused while there is no "
           "keystone)."),
    Option("message_encryption_key", "transport", "message_encryption_key", _parse_str,
           "Key of encrypted queues' message bodies (AES-256-GCM; the key is hashed with "
           "SHA-256). Set your own: the default is Zaqar's well-known one."),
    Option("secret_key", "signed_url", "secret_key", _parse_optional_str,
           "Key of pre-signed URLs (queue share) and subscription confirmations; unset: "
           "no signing."),
    Option("require_confirmation", _NOTIFICATION, "require_confirmation", _parse_bool,
           "Subscribers must confirm (through a signed URL sent to them) before they are "
           "notified."),
    Option("max_notifier_workers", _NOTIFICATION, "max_notifier_workers", _positive,
           "Notifications sent at once by each delivery worker."),
    Option("smtp_mode", _NOTIFICATION, "smtp_mode", _parse_choice(*SMTP_MODES),
           "third_part: pipe mail into smtp_command; self_local: SMTP over SSL with login; "
           "smtp: plain SMTP (login if a user is set); starttls: SMTP with STARTTLS."),
    Option("smtp_host", _NOTIFICATION, "smtp_host", _parse_str, "SMTP server host."),
    Option("smtp_port", _NOTIFICATION, "smtp_port", _parse_port, "SMTP server port."),
    Option("smtp_user_name", _NOTIFICATION, "smtp_user_name", _parse_optional_str,
           "SMTP login user."),
    Option("smtp_user_password", _NOTIFICATION, "smtp_user_password", _parse_optional_str,
           "SMTP login password."),
    Option("smtp_command", _NOTIFICATION, "smtp_command", _parse_str,
           "Sendmail-style command that reads a mail on its standard input (third_part)."),
    Option("external_confirmation_url", _NOTIFICATION, "external_confirmation_url",
           _parse_optional_str, "Page that mailto: subscribers visit to confirm; the "
           "signature is added as query parameters."),
    Option("subscription_confirmation_email_template", _NOTIFICATION,
           "subscription_confirmation_email_template", _parse_dict,
           "topic, body ({0} queue, {1} project, {2} confirmation link) and sender of the "
           "subscription confirmation mail."),
    Option("unsubscribe_confirmation_email_template", _NOTIFICATION,
           "unsubscribe_confirmation_email_template", _parse_dict,
           "topic, body and sender of the unsubscription mail."),
    Option("deliver_in_server", _NOTIFICATION, "deliver_in_server", _parse_bool,
           "Server workers deliver notifications (false: only `zaqar-lite notifier` does)."),
    Option("delivery_timeout", _NOTIFICATION, "delivery_timeout", _positive,
           "Seconds a webhook or mail server may take to answer one delivery."),
    Option("delivery_lease", _NOTIFICATION, "delivery_lease", _positive,
           "Seconds a deliverer holds a notification; one that crashed is redone after it."),
    Option("poll_interval", _NOTIFICATION, "poll_interval", _parse_positive_float,
           "Seconds between looks for due notifications (posts to this process wake it "
           "at once)."),
    Option("failed_retention", _NOTIFICATION, "failed_retention", _positive,
           "Seconds a notification that exhausted its retries is kept (counted in health)."),
    Option("max_failed", _NOTIFICATION, "max_failed", _positive,
           "Failed notifications kept at most; the oldest go first."),
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
    mongodb_count_commands: bool = False
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
    default_subscription_ttl: int = 3600
    max_subscriptions_per_page: int = 20
    subscriber_types: tuple[str, ...] = SUBSCRIBER_TYPES
    message_encryption_key: str = "AES256"
    secret_key: str | None = None
    require_confirmation: bool = False
    max_notifier_workers: int = 10
    smtp_mode: str = "third_part"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user_name: str | None = None
    smtp_user_password: str | None = None
    smtp_command: str = "/usr/sbin/sendmail -t -oi"
    external_confirmation_url: str | None = None
    subscription_confirmation_email_template: dict[str, str] = dataclasses.field(
        default_factory=lambda: dict(DEFAULT_CONFIRMATION_EMAIL))
    unsubscribe_confirmation_email_template: dict[str, str] = dataclasses.field(
        default_factory=lambda: dict(DEFAULT_UNSUBSCRIBE_EMAIL))
    deliver_in_server: bool = True
    delivery_timeout: int = 10
    delivery_lease: int = 60
    poll_interval: float = 1.0
    failed_retention: int = 604800
    max_failed: int = 100000

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
    def store_on_network(self) -> bool:
        """Whether the store is a server (MongoDB), whose requests wait on the
        network, rather than a file of this machine (SQLite)."""
        return self.storage_url.startswith("mongodb")

    @property
    def request_threads(self) -> int:
        """``threads``, or what suits the store: MongoDB's requests wait on the
        network; SQLite's writes wait on commits, which the writes of a worker's
        threads share (``docs/benchmarks.md``)."""
        if self.threads:
            return self.threads
        return 8 if self.store_on_network else 4

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
    unknown = [kind for kind in settings.subscriber_types if kind not in SUBSCRIBER_TYPES]
    if unknown:
        raise ConfigError(f"[transport] subscriber_types: unknown {', '.join(unknown)}; "
                          f"choose from {', '.join(SUBSCRIBER_TYPES)}")
    if settings.delivery_lease <= settings.delivery_timeout:
        raise ConfigError("[notification] delivery_lease must be longer than delivery_timeout")


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
