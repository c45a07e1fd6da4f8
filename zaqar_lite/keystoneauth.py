"""A keystoneauth1 plugin for clients of a server that runs without keystone.

keystoneauth's own ``none`` plugin reports no project: openstacksdk's message
proxy then refuses to list, and the ``openstack messaging`` commands send no
``X-Project-ID``. ``zaqar-noauth`` is ``none`` plus a fixed project id::

    openstack --os-auth-type zaqar-noauth --os-endpoint http://127.0.0.1:8888 \\
              --os-project-id my-project messaging queue list

It is registered as a ``keystoneauth1.plugin`` entry point, so any
keystoneauth-based client installed next to zaqar-lite can use it; the server
itself never imports this module.
"""

from __future__ import annotations

from keystoneauth1 import loading, noauth, session
from keystoneauth1.loading import opts


class ProjectNoAuth(noauth.NoAuth):
    """No token (``X-Auth-Token: notused``), a fixed endpoint and project."""

    def __init__(self, endpoint: str | None = None, project_id: str | None = None) -> None:
        super().__init__(endpoint=endpoint)
        self.project_id = project_id

    def get_project_id(self, session: session.Session) -> str | None:
        return self.project_id


class ProjectNoAuthLoader(loading.BaseLoader[ProjectNoAuth]):
    """Loads ``ProjectNoAuth`` from ``--os-endpoint`` and ``--os-project-id``."""

    @property
    def plugin_class(self) -> type[ProjectNoAuth]:
        return ProjectNoAuth

    def get_options(self) -> list[opts.Opt]:
        options = super().get_options()
        options.extend([
            loading.Opt("endpoint", help="The server's root URL, e.g. http://127.0.0.1:8888"),
            loading.Opt("project-id", help="The project sent as X-Project-ID"),
        ])
        return options
