"""Version-neutral resources: parse the request, call the core, hand the result to
the mounted version's views. Versions differ only in their routes, rules and views."""

from __future__ import annotations

from zaqar_lite.api.version import Mount


class Resource:
    """Base of every versioned resource: the mounted version's core, rules and views.

    ``header_policy`` tells the request steps which identification headers
    this version requires.
    """

    def __init__(self, mount: Mount) -> None:
        self._core = mount.core
        self._rules = mount.rules
        self._views = mount.views
        self.header_policy = mount.header_policy
