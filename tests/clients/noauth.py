"""Point the real Zaqar client libraries at a bare zaqar-lite endpoint, no keystone.

openstacksdk (``conn.message``, tested with 4.22.0)
    keystoneauth1's built-in no-keystone plugins (``none``/``NoAuth``,
    ``admin_token``, ``http_basic``) all answer ``None`` to
    ``get_project_id()``; openstacksdk's message resources then send an empty
    ``X-PROJECT-ID`` and their ``list()`` fails ``assert project_id is not
    None``. zaqar-lite's ``ProjectNoAuth`` (the ``zaqar-noauth`` keystoneauth
    plugin) is ``NoAuth`` plus a fixed project id.
    ``message_endpoint_override=<server root>`` makes keystoneauth discover the
    version: ``GET /`` -> 300 version list -> ``links[rel=self]`` ``/v2/``.

python-zaqarclient (``zaqarclient.queues.v2``, tested with 4.7.0)
    Needs nothing extra: the ``noauth`` auth backend plus ``os_project_id``
    (sent as ``X-Project-Id``). The URL is the server root *without* ``/v2``;
    the client appends ``/v2/<path>`` itself and does no discovery.
"""

from __future__ import annotations

from keystoneauth1 import session as ks_session
from openstack import connection
from zaqarclient.queues.v2 import client as zaqar_v2

from zaqar_lite.keystoneauth import ProjectNoAuth


def sdk_connection(base_url: str, project_id: str) -> connection.Connection:
    """openstacksdk Connection whose ``.message`` proxy talks to ``base_url``.

    ``base_url`` is the server root, e.g. ``http://127.0.0.1:8888``; no
    clouds.yaml or ``OS_*`` variables are read.
    """
    session = ks_session.Session(auth=ProjectNoAuth(base_url, project_id))
    return connection.Connection(session=session, message_endpoint_override=base_url)


def zaqar_client(base_url: str, project_id: str,
                 client_uuid: str | None = None) -> zaqar_v2.Client:
    """python-zaqarclient v2 Client for ``base_url`` (server root, no ``/v2``).

    ``client_uuid`` becomes the ``Client-ID`` header; by default the client
    makes up one undashed UUID4 per Client object.
    """
    conf: dict = {"auth_opts": {"backend": "noauth",
                                "options": {"os_project_id": project_id}}}
    if client_uuid is not None:
        conf["client_uuid"] = client_uuid
    return zaqar_v2.Client(base_url, version=2, conf=conf)
