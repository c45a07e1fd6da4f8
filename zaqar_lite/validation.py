"""Every request limit and body rule, in one place.

Body shapes are JSON schemas (checked with fastjsonschema, explained with
jsonschema); each rule carries the exact message
Zaqar answers with, in an ``errorMessage`` map keyed by the failing keyword, so
rule and message live side by side. Shape errors (types, required members)
are reported before range errors, as the reference does. Limits come from the
``[transport]`` settings.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import fastjsonschema
import jsonschema

from zaqar_lite.config import Settings
from zaqar_lite.core.rules import VersionRules
from zaqar_lite.errors import (
    ClientIdLength,
    InvalidBody,
    InvalidQueueIdentification,
    InvalidTopicIdentification,
    UnableToUpdateSubscription,
    ValidationFailed,
    WrongUUID,
    ZaqarError,
)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""JSON integers are signed 64-bit, as in MongoDB."""
MIN_MESSAGE_TTL = 60
MIN_CLAIM_TTL = 60
MIN_CLAIM_GRACE = 60
MIN_SUBSCRIPTION_TTL = 60
LATEST_EXPIRY = 253402300799
"""9999-12-31T23:59:59Z: no subscription may expire later (as in Zaqar)."""
TRUST_SCHEMES = ("trust+http", "trust+https")
DEFAULT_PAGE_SIZE = 10
"""Queues or messages per list page, and messages per claim, when no limit is given."""
MESSAGE_INT_FIELDS = ("ttl", "delay")
CLAIM_INT_FIELDS = ("ttl", "grace", "limit")
"""Members of a message and of a claim body that must be whole numbers."""
QUEUE_NAME_MAX_LENGTH = 64
PROJECT_ID_MAX_LENGTH = 256
QUEUE_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_\-.]+$")
PATCH_MEDIA_TYPE = "application/openstack-messaging-v2.0-json-patch"
PATCH_OPERATIONS = ("add", "remove", "replace")
PURGEABLE_RESOURCES = ("messages", "subscriptions")
SHARE_KEYS = ("expires", "methods", "paths")
SHAREABLE = ("claims", "messages", "subscriptions")
RETRY_BACKOFF_FUNCTIONS = ("linear", "arithmetic", "exponential", "geometric")
RESERVED_METADATA_KEYS = (
    "_max_messages_post_size", "_default_message_ttl", "_default_message_delay",
    "_dead_letter_queue", "_dead_letter_queue_messages_ttl", "_max_claim_count",
    "_enable_encrypt_messages",
)
"""Reserved queue metadata keys that are always shown (with defaults) in API v2."""
BODY_DEPTH_MAX = 200
"""Levels of objects and arrays a request body may nest. Fixed, so that what is
accepted does not depend on how deep the parser's call stack happens to be, and
well inside what every later encoding of it (a response, a notification) can
hold."""
METADATA_DEPTH_MAX = 99
"""Levels of objects and arrays queue metadata may nest, itself included: MongoDB
stores documents nested at most 100 levels deep, and a queue's document holds
its metadata one level down."""

# Keywords whose failure means "wrong shape" (400 Invalid request body); they
# are reported before range failures (400 Invalid API request).
_SHAPE_KEYWORDS = ("type", "required")

_UUID_PREFIXES = ("urn:", "uuid:")


def nests_deeper(document: Any, levels: int) -> bool:
    """Whether a JSON document has more than ``levels`` objects and arrays along one
    path. Read level by level, looking into containers only and no further than
    ``levels`` down: a large body costs less than its parse."""
    level = [document] if isinstance(document, (dict, list)) else []
    for _ in range(levels):
        level = [child for node in level
                 for child in (node.values() if isinstance(node, dict) else node)
                 if isinstance(child, (dict, list))]
        if not level:
            return False
    return bool(level)


def _field_type_error(field: str) -> str:
    return f'The value of the "{field}" field must be a int.'


def _checks(*fields: tuple[str, str | None, bool]) -> list[dict[str, Any]]:
    """Shape checks of an object's members, one subschema each, in Zaqar's order.

    Each field is ``(name, JSON type or None for any, required)``: a required
    member must be present, a present member must have the type.
    """
    checks: list[dict[str, Any]] = []
    for name, json_type, required in fields:
        check: dict[str, Any] = {}
        if required:
            check["required"] = [name]
            check["errorMessage"] = {"required": f'Missing "{name}" field.'}
        if json_type is not None:
            check["properties"] = {name: {"type": json_type, "errorMessage": {
                "type": _field_type_error(name)}}}
        checks.append(check)
    return checks


def _range(minimum: int, maximum: int, message: str) -> dict[str, Any]:
    """A numeric range with one message for both ends."""
    return {"minimum": minimum, "maximum": maximum,
            "errorMessage": {"minimum": message, "maximum": message}}


class Schema:
    """A JSON schema, checked fast and explained exactly.

    fastjsonschema compiles the schema to Python, so a valid document (the
    usual case) costs microseconds; only an invalid one is run through
    jsonschema, whose errors carry the ``errorMessage`` texts.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        self._check = fastjsonschema.compile(schema)
        self._explain = jsonschema.Draft202012Validator(schema)

    def first_error(self, document: Any) -> ZaqarError | None:
        """The error Zaqar would report first for ``document``, or None."""
        try:
            self._check(document)
            return None
        except fastjsonschema.JsonSchemaException:
            pass
        errors = list(self._explain.iter_errors(document))
        if not errors:
            return None
        # iter_errors follows the schema's member order and the items' order in the
        # document, which is Zaqar's checking order; the stable sort keeps it.
        errors.sort(key=lambda err: err.validator not in _SHAPE_KEYWORDS)
        error = errors[0]
        messages = error.schema.get("errorMessage", {}) if isinstance(error.schema, dict) else {}
        message = messages.get(error.validator, error.message)
        if error.validator in _SHAPE_KEYWORDS:
            return InvalidBody(message)
        return ValidationFailed(message)


def _first_error(schema: Schema, document: Any, holders: Sequence[Any],
                 fields: Sequence[str]) -> ZaqarError | None:
    """``schema``'s first error for ``document``, with the integer ``fields`` of the
    objects in ``holders`` judged as Zaqar's ``isinstance(value, int)`` judges them.

    JSON ``true`` and ``false`` are 1 and 0 (rewritten in place, for the range
    checks to judge); a number written with a fraction (``60.0``), which JSON
    Schema counts as an integer, is the wrong type once the schema holds.
    """
    fraction = None
    for holder in holders:
        if not isinstance(holder, dict):
            continue
        for field in fields:
            value = holder.get(field)
            if isinstance(value, bool):
                holder[field] = int(value)
            elif fraction is None and isinstance(value, float):
                fraction = field
    error = schema.first_error(document)
    if error is None and fraction is not None:
        return InvalidBody(_field_type_error(fraction))
    return error


@dataclasses.dataclass(frozen=True)
class SubscriptionFields:
    """The validated members of a subscription body (None: not given)."""

    subscriber: str | None
    ttl: int | None
    options: dict[str, Any] | None


@dataclasses.dataclass(frozen=True)
class PatchOperation:
    """One validated queue-metadata edit: ``op`` on metadata key ``key``."""

    op: str
    key: str
    value: Any = None


class RequestValidator:
    """Checks requests against the configured limits and the API's rules."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        ttl_range = (
            f"The TTL for a message may not exceed {settings.max_message_ttl} seconds, "
            f"and must be at least {MIN_MESSAGE_TTL} seconds long."
        )
        delay_range = (
            f"The Delay TTL for a message may not exceed {settings.max_message_delay} "
            "seconds,and must be at least 0 seconds long."
        )
        self._messages = {
            (ttl_required, delays): Schema({
                "type": "array",
                "items": {
                    "type": "object",
                    "allOf": _checks(("ttl", "integer", ttl_required), ("body", None, True),
                                     *([("delay", "integer", False)] if delays else [])),
                    "properties": {
                        "ttl": _range(MIN_MESSAGE_TTL, settings.max_message_ttl, ttl_range),
                        **({"delay": _range(0, settings.max_message_delay, delay_range)}
                           if delays else {}),
                    },
                    "errorMessage": {"type": "Document type not supported."},
                },
                "errorMessage": {"type": "Document type not supported."},
            })
            for ttl_required, delays in ((True, False), (False, False), (False, True))
        }
        claim_ttl_range = (
            f"The TTL for a claim may not exceed {settings.max_claim_ttl} seconds, "
            f"and must be at least {MIN_CLAIM_TTL} seconds long."
        )
        self._claim_grace_range = (
            f"The grace for a claim may not exceed {settings.max_claim_grace} seconds, "
            f"and must be at least {MIN_CLAIM_GRACE} seconds long."
        )
        self.claim_limit_message = (
            "Limit must be at least 1 and may not be greater than "
            f"{settings.max_messages_per_claim_or_pop}."
        )
        self._claims = {
            (ttl_required, grace_required): Schema({
                "type": "object",
                "allOf": _checks(("ttl", "integer", ttl_required),
                                 ("grace", "integer", grace_required),
                                 ("limit", "integer", False)),
                "properties": {
                    "ttl": _range(MIN_CLAIM_TTL, settings.max_claim_ttl, claim_ttl_range),
                },
                "errorMessage": {"type": "Document type not supported."},
            })
            for ttl_required, grace_required in ((True, True), (True, False), (False, False))
        }

    # -- identification -------------------------------------------------

    def queue_identification(self, queue: str, project: str | None) -> None:
        """Queue names: 1-64 of ``A-Z a-z 0-9 _ - .``; project ids up to 256."""
        if (
            (project is not None and len(project) > PROJECT_ID_MAX_LENGTH)
            or len(queue) > QUEUE_NAME_MAX_LENGTH
            or not QUEUE_NAME_PATTERN.match(queue)
        ):
            raise InvalidQueueIdentification()

    def topic_identification(self, topic: str, project: str | None) -> None:
        """Topic names follow the queue-name rules."""
        try:
            self.queue_identification(topic, project)
        except InvalidQueueIdentification:
            raise InvalidTopicIdentification() from None

    def client_id(self, value: str) -> str:
        """Validate a Client-ID and return the form stored for echo filtering.

        UUIDs in any spelling (dashes, braces, ``urn:uuid:``) normalise to 32
        lowercase hex digits, so two spellings are the same client.
        """
        normalised = normalise_uuid(value)
        if normalised is not None:
            return normalised
        if self.settings.client_id_uuid_safe == "strict":
            raise WrongUUID()
        low, high = self.settings.min_length_client_id, self.settings.max_length_client_id
        if not low <= len(value) <= high:
            raise ClientIdLength(low, high)
        return value

    # -- paging ---------------------------------------------------------

    def queue_limit(self, limit: int) -> None:
        _within_page(limit, self.settings.max_queues_per_page, "Limit", "no greater than")

    def message_limit(self, limit: int) -> None:
        _within_page(limit, self.settings.max_messages_per_page, "Limit")

    def message_ids(self, ids: Sequence[str]) -> None:
        high = self.settings.max_messages_per_page
        if not 0 < len(ids) <= high:
            raise ValidationFailed(
                f"ids parameter should have at least 1 and not greater than {high} values.")

    def pop_limit(self, limit: int) -> None:
        _within_page(limit, self.settings.max_messages_per_claim_or_pop, "Pop value")

    # -- sizes ----------------------------------------------------------

    def message_post_size(self, content_length: int | None, queue_cap: Any) -> None:
        """The whole post body is capped by config and by ``_max_messages_post_size``."""
        if content_length is None:
            return
        config_cap = self.settings.max_messages_post_size
        if _passes_int_check(queue_cap) and queue_cap > 0:
            effective = min(queue_cap, config_cap)
            if content_length > effective:
                raise ValidationFailed(
                    "Message collection size is too large. The max size for current queue "
                    f"is {effective}. It is calculated by max size = min("
                    f"max_messages_post_size_config: {config_cap}, "
                    f"max_messages_post_size_queue: {queue_cap})."
                )
        if content_length > config_cap:
            raise ValidationFailed(f"Message collection size is too large. Max size {config_cap}")

    def metadata_too_large(self, content_length: int | None) -> str | None:
        """The error text if a metadata body is over ``max_queue_metadata``."""
        cap = self.settings.max_queue_metadata
        if content_length is not None and content_length > cap:
            return f"Queue metadata is too large. Max size: {cap}"
        return None

    # -- bodies ---------------------------------------------------------

    def message_items(self, document: Any, rules: VersionRules) -> list[dict[str, Any]]:
        """The messages of a post body, checked: ``{"messages": [...]}``, or a bare
        array in v1. (Their defaults come from the queue, in the core.)"""
        if not rules.enveloped:
            items = document
        elif isinstance(document, dict) and "messages" in document:
            items = document["messages"]
        else:
            raise ValidationFailed("No messages were found in the request body.")
        schema = self._messages[(not rules.ttl_defaults, rules.queue_settings)]
        error = _first_error(schema, items, items if isinstance(items, list) else [],
                             MESSAGE_INT_FIELDS)
        if error is None and not items:
            error = ValidationFailed("No messages to enqueu.")
        if error is not None:
            raise error
        checked: list[dict[str, Any]] = items
        return checked

    def claim_create(
        self, document: Any, query_limit: int | None, rules: VersionRules
    ) -> tuple[int, int, int]:
        """``(ttl, grace, limit)`` of a claim request.

        The checks run in Zaqar's order: body shape, ttl, limit, grace. A
        ``limit`` in the body (openstacksdk sends it there) counts when the
        query string has none.
        """
        required = not rules.ttl_defaults
        document = {} if document is None else document
        error = _first_error(self._claims[(required, required)], document, [document],
                             CLAIM_INT_FIELDS)
        if error is not None:
            raise error
        ttl = int(document.get("ttl", self.settings.default_claim_ttl))
        grace = int(document.get("grace", self.settings.default_claim_grace))
        limit = query_limit if query_limit is not None else document.get("limit", DEFAULT_PAGE_SIZE)
        if not 0 < limit <= self.settings.max_messages_per_claim_or_pop:
            raise ValidationFailed(self.claim_limit_message)
        if not MIN_CLAIM_GRACE <= grace <= self.settings.max_claim_grace:
            raise ValidationFailed(self._claim_grace_range)
        return ttl, grace, int(limit)

    def claim_update(self, document: Any, rules: VersionRules) -> tuple[int, int]:
        """``(ttl, grace)`` of a renewal; only ttl is range-checked.

        Without defaults (v1) ``ttl`` is required and ``grace`` is 0 unless given.
        """
        required = not rules.ttl_defaults
        error = _first_error(self._claims[(required, False)], document, [document],
                             CLAIM_INT_FIELDS)
        if error is not None:
            raise error
        grace_default = self.settings.default_claim_grace if rules.ttl_defaults else 0
        ttl = int(document.get("ttl", self.settings.default_claim_ttl))
        grace = int(document.get("grace", grace_default))
        return ttl, grace

    def purge_resources(self, document: Any) -> set[str]:
        """The resource types a purge body names (both when there is no body)."""
        if document is None:
            return set(PURGEABLE_RESOURCES)
        if not isinstance(document, dict) or "resource_types" not in document:
            raise ValidationFailed('Post body must contain key "resource_types".')
        types = document["resource_types"]
        if not isinstance(types, list) or not all(
            isinstance(item, str) and item in PURGEABLE_RESOURCES for item in types
        ):
            raise ValidationFailed(
                "Resource types must be a sub set of {'messages', 'subscriptions'}.")
        return set(types)

    def share_paths(self, document: Mapping[str, Any]) -> list[str]:
        """The queue sub-resources a share body names (``messages`` if none); its
        ``methods`` and ``expires`` are checked where they are signed."""
        unknown = set(document) - set(SHARE_KEYS)
        if unknown:
            raise ValidationFailed(f"Unknown keys: {_set_text(unknown)}")
        paths = document.get("paths") or ["messages"]
        if not isinstance(paths, list) or not all(isinstance(path, str) for path in paths):
            raise ValidationFailed("`paths` must be a list of messages, subscriptions, claims")
        invalid = set(paths) - set(SHAREABLE)
        if invalid:
            raise ValidationFailed(f"Invalid paths: {_set_text(invalid)}")
        return paths

    def no_reserved_keys(self, metadata: Mapping[str, Any]) -> None:
        """API v1 metadata may not set keys starting with ``_``."""
        if any(key.startswith("_") for key in metadata):
            raise ValidationFailed(
                'Reserved queue attributes in metadata (which names start with "_") '
                "can not be set in API v1.")

    def metadata_depth(self, metadata: Mapping[str, Any], error: type[ZaqarError]) -> None:
        """Metadata may nest at most ``METADATA_DEPTH_MAX`` levels; the error names
        the key whose value nests deeper."""
        for key, value in metadata.items():
            if nests_deeper(value, METADATA_DEPTH_MAX - 1):  # the metadata is a level too
                raise error(f"Queue metadata is nested too deeply under the key {key!r}: "
                            f"at most {METADATA_DEPTH_MAX} levels of objects and arrays, "
                            "the metadata itself included.")

    def queue_metadata(self, metadata: Mapping[str, Any], error: type[ZaqarError]) -> None:
        """Check the nesting and the reserved ``_`` keys; other keys are free-form.

        As in Zaqar, a type error fires only for truthy non-integers, so ``0``
        or ``false`` reach the range check; JSON ``true`` counts as 1.
        """
        self.metadata_depth(metadata, error)
        limits = self.settings
        ranged = (
            ("_default_message_ttl", MIN_MESSAGE_TTL, limits.max_message_ttl,
             f"_default_message_ttl can not exceed {limits.max_message_ttl} seconds, and must "
             f"be at least {MIN_MESSAGE_TTL} seconds long."),
            ("_max_messages_post_size", 1, limits.max_messages_post_size,
             f"_max_messages_post_size can not exceed {limits.max_messages_post_size},  and "
             "must be at least greater than 0."),
            ("_dead_letter_queue_messages_ttl", MIN_MESSAGE_TTL, limits.max_message_ttl,
             f"The TTL for a message may not exceed {limits.max_message_ttl} seconds, and "
             f"must be at least {MIN_MESSAGE_TTL} seconds long."),
            ("_default_message_delay", 0, limits.max_message_delay,
             f"The TTL can not exceed {limits.max_message_delay} seconds, and must be at "
             "least 0 seconds long."),
        )
        for key, low, high, range_message in ranged:
            if key not in metadata or metadata[key] is None:
                continue
            value = metadata[key]
            if not _typed_as_int(value):
                raise error(f"{key} must be integer.")
            if not low <= value <= high:
                raise error(range_message)
        claims = metadata.get("_max_claim_count")
        if claims is not None and not _typed_as_int(claims):
            raise error("_max_claim_count must be integer.")
        encrypt = metadata.get("_enable_encrypt_messages")
        if encrypt is not None and not isinstance(encrypt, bool):
            raise error("_enable_encrypt_messages must be boolean.")
        if metadata.get("_retry_policy"):
            self.retry_policy(metadata["_retry_policy"], error)

    def retry_policy(self, policy: Any, error: type[ZaqarError]) -> None:
        """A webhook retry policy: integer counts and delays, a known back-off."""
        if not isinstance(policy, dict):
            raise error("retry_policy must be a dict.")
        for key in ("retries_with_no_delay", "minimum_delay_retries", "minimum_delay",
                    "maximum_delay", "maximum_delay_retries"):
            if key in policy and not _passes_int_check(policy[key]):
                raise error(f"Retry policy: {key} must be a integer.")
        function = policy.get("retry_backoff_function")
        if function is not None:
            if not isinstance(function, str):
                raise error("retry_backoff_function must be a string.")
            if function not in RETRY_BACKOFF_FUNCTIONS:
                raise error("invalid retry_backoff_function.")
        override = policy.get("ignore_subscription_override")
        if override is not None and not isinstance(override, bool):
            raise error("ignore_subscription_override must be a boolean.")
        minimum = policy.get("minimum_delay", 5)
        maximum = policy.get("maximum_delay", 30)
        if maximum < minimum:
            raise error("minimum_delay must less than maximum_delay.")
        if maximum - minimum < 10:
            raise error("invalid minimum_delay and maximum_delay.")

    def subscription_limit(self, limit: int) -> None:
        _within_page(limit, self.settings.max_subscriptions_per_page, "Limit")

    def subscription(self, document: Any, *, creating: bool, now: int) -> SubscriptionFields:
        """A subscription create or update body, checked in Zaqar's order.

        Falsy members are not checked, as in Zaqar, except where that would
        store nonsense: a ``ttl`` of 0 is refused like any ttl under 60, and
        a subscriber must be a URI string with a supported scheme.
        """
        if creating and isinstance(document, dict) and "subscriber" not in document:
            raise ValidationFailed("Missing parameter subscriber in body.")
        if not document:
            raise ValidationFailed("No subscription to create.")
        if not isinstance(document, dict):
            raise ValidationFailed("Subscriptions must be a dict.")
        subscriber = document.get("subscriber")
        if subscriber is not None or creating:
            self._subscriber(subscriber)
        options = document.get("options")
        if options and not isinstance(options, dict):
            raise ValidationFailed("Options must be a dict.")
        if options and options.get("_retry_policy"):
            self.retry_policy(options["_retry_policy"], ValidationFailed)
        ttl = document.get("ttl")
        if ttl is not None:
            if not _passes_int_check(ttl) and ttl is not False:
                raise ValidationFailed("TTL must be an integer.")
            if ttl < MIN_SUBSCRIPTION_TTL:
                raise ValidationFailed(
                    f"The TTL for a subscription must be at least {MIN_SUBSCRIPTION_TTL} "
                    "seconds long.")
            if now + ttl > LATEST_EXPIRY:
                raise ValidationFailed(
                    "The TTL seconds for a subscription plus current time must be less than "
                    "9999-12-31 23:59:59.999999.")
        fields = SubscriptionFields(subscriber=subscriber, ttl=None if ttl is None else int(ttl),
                                    options=options if isinstance(options, dict) else None)
        if not creating and fields == SubscriptionFields(None, None, None):
            raise UnableToUpdateSubscription()
        return fields

    def _subscriber(self, subscriber: Any) -> None:
        types = list(self.settings.subscriber_types)
        scheme = subscriber.split(":", 1)[0].lower() if isinstance(subscriber, str) else None
        if scheme not in types or ":" not in subscriber:
            raise ValidationFailed(
                f"The subscriber type of subscription must be supported in the list {types}.")
        if scheme in TRUST_SCHEMES:
            raise ValidationFailed(
                f"{scheme} subscribers need a keystone trust, and this server runs without "
                "keystone; use http or https.")

    def confirmation(self, document: Any) -> bool:
        """The ``confirmed`` flag of a confirm body (a JSON boolean)."""
        confirmed = document.get("confirmed") if isinstance(document, dict) else None
        if not isinstance(confirmed, bool):
            raise ValidationFailed("The 'confirmed' should be boolean.")
        return confirmed

    def patch_operations(self, document: Any) -> list[PatchOperation]:
        """Validate a queue PATCH body: a JSON array of add/replace/remove edits."""
        if not isinstance(document, list):
            raise InvalidBody("Request body must be a JSON array of operation objects.")
        operations = []
        for change in document:
            if not isinstance(change, dict):
                raise InvalidBody("Operations must be JSON objects.")
            op = change.get("op")
            available = ", ".join(PATCH_OPERATIONS)
            if op is None:
                raise InvalidBody(
                    "Unable to find `op` in JSON Schema change. "
                    f"It must be one of the following: {available}.")
            if op not in PATCH_OPERATIONS:
                raise InvalidBody(
                    f"Invalid operation: `{op}`. It must be one of the following: {available}.")
            if "path" not in change:
                raise InvalidBody("Unable to find 'path' in JSON Schema change")
            path = _decode_json_pointer(change["path"])
            if len(path) != 2:
                raise InvalidBody(
                    "Invalid JSON pointer for this resource: "
                    f"'/{'/'.join(path)}, e.g /metadata/key'")
            if op != "remove":
                if "value" not in change:
                    raise InvalidBody(f'Operation "{op}" requires a member named "value".')
                if path[0].lower() != "metadata":
                    raise InvalidBody("The root of path must be metadata, e.g /metadata/key.")
            operations.append(PatchOperation(op=op, key=path[1], value=change.get("value")))
        return operations


def reserved_defaults(settings: Settings) -> dict[str, Any]:
    """What API v2 shows for each reserved key a queue does not set (or sets falsy)."""
    values = (settings.max_messages_post_size, settings.default_message_ttl,
              settings.default_message_delay, None, None, None, False)
    return dict(zip(RESERVED_METADATA_KEYS, values, strict=True))


def _decode_json_pointer(pointer: Any) -> list[str]:
    """Split a JSON pointer into trimmed, unescaped segments (Zaqar's limited form)."""
    if not isinstance(pointer, str):
        raise InvalidBody(f"Pointer `{pointer}` does not start with \"/\".")
    if not pointer.startswith("/"):
        raise InvalidBody(f'Pointer `{pointer}` does not start with "/".')
    if re.search(r"/\s*?/", pointer[1:]):
        raise InvalidBody(f'Pointer `{pointer}` contains adjacent "/".')
    if len(pointer) > 1 and pointer.endswith("/"):
        raise InvalidBody(f'Pointer `{pointer}` end with "/".')
    if pointer[1:].strip() == "/":
        raise InvalidBody(f"Pointer `{pointer}` does not contains valid token.")
    if re.search(r"~[^01]", pointer) or pointer.endswith("~"):
        raise InvalidBody(
            f'Pointer `{pointer}` contains "~" not part of a recognized escape sequence.')
    return [part.replace("~1", "/").replace("~0", "~").strip()
            for part in pointer.lstrip("/").split("/")]


def normalise_uuid(value: str) -> str | None:
    """32 lowercase hex digits if ``value`` spells a UUID, else None."""
    text = value.strip().lower()
    for prefix in _UUID_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
    text = text.strip("{}").replace("-", "")
    if len(text) != 32:
        return None
    try:
        return uuid.UUID(hex=text).hex
    except ValueError:
        return None


def _passes_int_check(value: Any) -> bool:
    """Zaqar's ``isinstance(value, int)``: JSON ``true`` passes (as 1), ``false`` does not
    count as a number at all, so it falls through to the range checks as 0."""
    return isinstance(value, int) and (value is True or not isinstance(value, bool))


def _typed_as_int(value: Any) -> bool:
    """Zaqar's type rule for reserved metadata: only a non-number or a truthy
    non-integer is a type error; falsy numbers (``0``, ``0.0``, ``false``) are
    left to the range check."""
    return isinstance(value, (int, float)) and (not value or _passes_int_check(value))


def _within_page(value: int, high: int, what: str, bound: str = "may not be greater than"
                 ) -> None:
    """A page size or pop count from 1 to ``high``, worded as Zaqar words each."""
    if not 0 < value <= high:
        raise ValidationFailed(f"{what} must be at least 1 and {bound} {high}.")


def _set_text(items: set[str]) -> str:
    """A set as Python prints it (Zaqar's messages do), in a stable order."""
    return "{" + ", ".join(repr(item) for item in sorted(items)) + "}"
