"""How API v1.1 differs from the other versions (see ``core.rules``)."""

from __future__ import annotations

from zaqar_lite.core.rules import HeaderPolicy, Presence, ReservedMetadata, VersionRules

RULES = VersionRules(
    headers=HeaderPolicy(client_id=Presence.REQUIRED, project=Presence.REQUIRED),
    lazy_queues=True, ttl_defaults=True, enveloped=True, queue_settings=False,
    reserved_metadata=ReservedMetadata.VALIDATED, pop=True, queue_filters=False,
)
