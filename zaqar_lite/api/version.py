"""An API version as the app mounts it: identity, rules, views, home and routes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from zaqar_lite.api.views import Views
from zaqar_lite.config import Settings
from zaqar_lite.core.operations import Core
from zaqar_lite.core.rules import HeaderPolicy, VersionRules

HomeEntry = tuple[str, str, tuple[str, ...]]
"""A home document resource: rel, href template after the root, allowed methods."""


@dataclasses.dataclass(frozen=True)
class Mount:
    """What a resource of one mounted version works with."""

    core: Core
    version: Version
    views: Views
    topics: bool = False
    """Serves the project's topics rather than its queues."""

    @property
    def rules(self) -> VersionRules:
        return self.version.rules

    @property
    def header_policy(self) -> HeaderPolicy:
        return dataclasses.replace(self.version.rules.headers, topics=self.topics)


ResourceClass = Callable[[Mount], Any]
"""A resource class: built once per mounted version from its ``Mount``."""


@dataclasses.dataclass(frozen=True)
class Version:
    """One API version: its entry in the version list and everything it serves."""

    id: str
    status: str
    updated: str
    rules: VersionRules
    views: Callable[[str, VersionRules, Settings], Views]
    home: Sequence[HomeEntry]
    routes: Sequence[tuple[str, ResourceClass]]
    """Path templates after the root, and the resource serving each."""

    @property
    def root(self) -> str:
        """``/v1``, ``/v1.1``, ``/v2``."""
        return f"/v{self.id}"

    @property
    def entry(self) -> dict[str, Any]:
        """This version as listed by ``GET /``."""
        media = f"application/vnd.openstack.messaging-v{self.id.replace('.', '_')}+json"
        return {
            "id": self.id,
            "status": self.status,
            "updated": self.updated,
            "media-types": [{"base": "application/json", "type": media}],
            "links": [{"href": f"{self.root}/", "rel": "self"}],
        }

    def mount(self, core: Core, settings: Settings) -> list[tuple[str, Any]]:
        """The app's routes for this version: full paths and resource instances."""
        mount = Mount(core=core, version=self, views=self.views(self.root, self.rules, settings))
        return [(self.root + template, resource(mount)) for template, resource in self.routes]
