"""API v2: the current version (queues with reserved metadata, delays, purge)."""

from __future__ import annotations

from zaqar_lite.api.v2.routes import HOME, ROUTES
from zaqar_lite.api.v2.rules import RULES
from zaqar_lite.api.version import Version
from zaqar_lite.api.views import Views

VERSION = Version("2", "CURRENT", "2014-9-24T04:06:47Z", RULES, Views, HOME, ROUTES)
