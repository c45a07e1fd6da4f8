"""How API v1 differs from the other versions (see ``core.rules``)."""

from __future__ import annotations

from zaqar_lite.core.rules import HeaderPolicy, Presence, ReservedMetadata, VersionRules

RULES = VersionRules(
    headers=HeaderPolicy(client_id=Presence.OPTIONAL, project=Presence.OPTIONAL),
    lazy_queues=False, ttl_defaults=False, enveloped=False, queue_settings=False,
    reserved_metadata=ReservedMetadata.FORBIDDEN, pop=False, queue_filters=False,
)
