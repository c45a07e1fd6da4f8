"""API v1 (deprecated; served for older clients): explicit queues, optional project
and Client-ID, metadata as a sub-resource, bare arrays and 204 for empty results."""

from __future__ import annotations

from zaqar_lite.api.v1.routes import HOME, ROUTES
from zaqar_lite.api.v1.rules import RULES
from zaqar_lite.api.v1.views import Views
from zaqar_lite.api.version import Version

VERSION = Version("1", "DEPRECATED", "2014-9-11T17:47:05Z", RULES, Views, HOME, ROUTES)
