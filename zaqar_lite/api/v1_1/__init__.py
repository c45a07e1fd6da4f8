"""API v1.1 (deprecated; served for older clients): lazy queues and v2's envelopes,
without queue settings, delays, metadata edits or purge."""

from __future__ import annotations

from zaqar_lite.api.v1_1.routes import HOME, ROUTES
from zaqar_lite.api.v1_1.rules import RULES
from zaqar_lite.api.version import Version
from zaqar_lite.api.views import Views

VERSION = Version("1.1", "DEPRECATED", "2016-7-29T02:22:47Z", RULES, Views, HOME, ROUTES)
