"""Home-document resources that API v1.1 and v2 both describe.

Each entry is ``(rel, href template after the root, allowed methods)``.
"""

from __future__ import annotations

from zaqar_lite.api.version import HomeEntry

QUEUES: HomeEntry = ("rel/queues", "/queues{?marker,limit,detailed}", ("GET",))
QUEUE_STATS: HomeEntry = ("rel/queue_stats", "/queues/{queue_name}/stats", ("GET",))
MESSAGES: tuple[HomeEntry, ...] = (
    ("rel/messages", "/queues/{queue_name}/messages{?marker,limit,echo,include_claimed}",
     ("GET",)),
    ("rel/post_messages", "/queues/{queue_name}/messages", ("POST",)),
    ("rel/messages_delete", "/queues/{queue_name}/messages{?ids,pop}", ("DELETE",)),
    ("rel/message_delete", "/queues/{queue_name}/messages/{message_id}{?claim}",
     ("DELETE",)),
)
CLAIMS: tuple[HomeEntry, ...] = (
    ("rel/claim", "/queues/{queue_name}/claims/{claim_id}", ("GET",)),
    ("rel/post_claim", "/queues/{queue_name}/claims{?limit}", ("POST",)),
    ("rel/patch_claim", "/queues/{queue_name}/claims/{claim_id}", ("PATCH",)),
    ("rel/delete_claim", "/queues/{queue_name}/claims/{claim_id}", ("DELETE",)),
)
SERVICE: tuple[HomeEntry, ...] = (
    ("rel/ping", "/ping", ("GET",)),
    ("rel/health", "health", ("GET",)),
)
