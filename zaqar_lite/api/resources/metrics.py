"""``GET /metrics``: Prometheus samples of every worker (see ``zaqar_lite.metrics``)."""

from __future__ import annotations

import falcon

from zaqar_lite.core.rules import HeaderPolicy, Presence
from zaqar_lite.metrics import exposition


class Metrics:
    """The text exposition format; no headers needed, like ``GET /``."""

    header_policy = HeaderPolicy(client_id=Presence.IGNORED, project=Presence.IGNORED)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.data, resp.content_type = exposition()
