"""Query-string parameters, parsed as Zaqar parses them.

Empty values count as absent; a scalar given several times (or with a comma)
takes its last value; lists accept both ``ids=a,b`` and ``ids=a&ids=b``, and
drop empty items.
Every parameter of a request is read before any limit is checked, as in the
reference, so a malformed parameter is reported before an out-of-range one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import falcon

from zaqar_lite.core.messages import MessageListQuery
from zaqar_lite.core.queues import QueueListQuery
from zaqar_lite.core.rules import VersionRules

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "off"})

QUEUE_PAGING = ("marker", "limit", "detailed")
QUEUE_FILTERING = ("name", "with_count")
MESSAGE_PAGING = ("marker", "limit", "echo", "include_claimed")
SUBSCRIPTION_PAGING = ("marker", "limit")
MESSAGE_DELAYS = ("include_delayed",)
BOOLEAN_PARAMS = frozenset({"detailed", "with_count", "echo", "include_claimed", "include_delayed"})


def get_str(req: falcon.Request, name: str) -> str | None:
    value = req.params.get(name)
    if isinstance(value, list):
        value = value[-1] if value else None
    return value or None


def get_int(req: falcon.Request, name: str) -> int | None:
    value = get_str(req, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise falcon.HTTPInvalidParam("The value must be an integer.", name) from None


def get_bool(req: falcon.Request, name: str, default: bool = False) -> bool:
    value = get_str(req, name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise falcon.HTTPInvalidParam('The value of the parameter must be "true" or "false".', name)


def get_list(req: falcon.Request, name: str) -> list[str] | None:
    """The items of a list parameter, or None when it is absent. A value of commas
    only (``ids=,``) is present and empty, as in Zaqar, whose count checks then
    refuse it."""
    value = req.params.get(name)
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return [part for item in items for part in item.split(",") if part]


def queue_list_params(rules: VersionRules) -> tuple[str, ...]:
    """The queue-listing parameters a version recognises (the rest may be filters)."""
    return QUEUE_PAGING + (QUEUE_FILTERING if rules.queue_filters else ())


def queue_list_query(req: falcon.Request, rules: VersionRules) -> QueueListQuery:
    """Paging, and where the version has them, the name, count and metadata filters:
    every other parameter compares a metadata key (as an integer if it is one)."""
    marker = get_str(req, "marker")
    limit = get_int(req, "limit")
    detailed = get_bool(req, "detailed")
    if not rules.queue_filters:
        return QueueListQuery(marker=marker, limit=limit, detailed=detailed)
    known = queue_list_params(rules)
    given = {key: get_str(req, key) for key in req.params if key not in known}
    return QueueListQuery(
        marker=marker, limit=limit, detailed=detailed, name=get_str(req, "name"),
        with_count=get_bool(req, "with_count"),
        filters={key: _filter_value(value) for key, value in given.items() if value},
    )


def _filter_value(value: str) -> Any:
    try:
        return int(value)
    except ValueError:
        return value


def message_list_params(rules: VersionRules) -> tuple[str, ...]:
    """The message-listing parameters a version recognises."""
    return MESSAGE_PAGING + (MESSAGE_DELAYS if rules.queue_settings else ())


def message_list_query(req: falcon.Request, rules: VersionRules) -> MessageListQuery:
    return MessageListQuery(
        marker=get_str(req, "marker"),
        limit=get_int(req, "limit"),
        echo=get_bool(req, "echo"),
        include_claimed=get_bool(req, "include_claimed"),
        include_delayed=rules.queue_settings and get_bool(req, "include_delayed"),
    )


def next_link(req: falcon.Request, names: tuple[str, ...], marker: str) -> list[dict[str, str]]:
    """The single ``next`` link: the request's recognised parameters plus ``marker``.

    Written as Zaqar writes it: in the order of ``names`` with ``marker`` last
    unless the request gave one, booleans as ``true``/``false`` and the page
    size as a plain number.
    """
    given_marker = get_str(req, "marker") is not None
    query: list[tuple[str, str]] = []
    for name in names:
        if name == "marker":
            if given_marker:
                query.append((name, marker))
            continue
        value = get_str(req, name)
        if value is None:
            continue
        if name in BOOLEAN_PARAMS:
            value = "true" if get_bool(req, name) else "false"
        elif name == "limit":
            value = str(get_int(req, name))
        query.append((name, value))
    if not given_marker:
        query.append(("marker", marker))
    return [{"rel": "next", "href": f"{req.path}?{urlencode(query)}"}]
