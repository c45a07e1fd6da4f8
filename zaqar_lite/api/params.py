"""Query-string parameters, parsed as Zaqar parses them.

Empty values count as absent; a scalar given several times (or with a comma)
takes its last value; lists accept both ``ids=a,b`` and ``ids=a&ids=b``.
"""

from __future__ import annotations

from urllib.parse import urlencode

import falcon

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "off"})


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
    raise falcon.HTTPInvalidParam("The value of the parameter must be a boolean.", name)


def get_list(req: falcon.Request, name: str) -> list[str] | None:
    value = req.params.get(name)
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    parts = [part for item in items for part in item.split(",") if part]
    return parts or None


def next_link(req: falcon.Request, names: tuple[str, ...], marker: str) -> list[dict[str, str]]:
    """The single ``next`` link: the request's recognised parameters plus ``marker``."""
    query = [(name, get_str(req, name)) for name in names if name != "marker"]
    query = [(name, value) for name, value in query if value is not None]
    query.append(("marker", marker))
    return [{"rel": "next", "href": f"{req.path}?{urlencode(query)}"}]
