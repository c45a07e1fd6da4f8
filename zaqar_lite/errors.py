"""Every error zaqar-lite raises on purpose, as a value with a status.

Storage drivers and validators raise these; one handler in ``api.errors``
turns them into the JSON body ``{"title": ..., "description": ...}`` that
Zaqar answers with. Titles and descriptions follow the reference server.
"""

from __future__ import annotations

from collections.abc import Sequence

from zaqar_lite.scopes import is_topic_scope, public_project


class ZaqarError(Exception):
    """Base class: ``status`` and ``title`` describe the HTTP answer, ``headers``
    any header it carries."""

    status = 500
    title = "Internal server error"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description
        self.headers: dict[str, str] = {}


def _project_text(project: str) -> str:
    # The reference prints Python's None for the global (project-less) namespace.
    shown = public_project(project)
    return shown if shown else "None"


def _kind(project: str) -> str:
    return "topic" if is_topic_scope(project) else "queue"


class MissingIds(ZaqarError):
    """An API v1 bulk delete without ``ids`` (400)."""

    status = 400
    title = "Missing parameter"

    def __init__(self) -> None:
        super().__init__('The "ids" parameter is required.')


class ValidationFailed(ZaqarError):
    """A semantic limit or rule was violated (400 Invalid API request)."""

    status = 400
    title = "Invalid API request"


class InvalidBody(ZaqarError):
    """The body is missing, unparsable or of the wrong shape (400)."""

    status = 400
    title = "Invalid request body"


class DoesNotExist(ZaqarError):
    """A resource the request names is not there (404 Not found)."""

    status = 404
    title = "Not found"


class QueueDoesNotExist(DoesNotExist):
    def __init__(self, project: str, queue: str) -> None:
        super().__init__(f"{_kind(project).capitalize()} {queue} does not exist for project "
                         f"{_project_text(project)}")


class MessageDoesNotExist(DoesNotExist):
    def __init__(self, project: str, queue: str, message_id: str) -> None:
        super().__init__(
            f"Message {message_id} does not exist in {_kind(project)} {queue} "
            f"for project {_project_text(project)}"
        )


class MessagesNotFound(DoesNotExist):
    def __init__(self, project: str, queue: str, message_ids: Sequence[str]) -> None:
        listed = "[" + ", ".join(repr(mid) for mid in message_ids) + "]"
        super().__init__(
            f"No messages with IDs: {listed} found in the {_kind(project)} {queue} "
            f"for project {_project_text(project)}."
        )


class ClaimDoesNotExist(DoesNotExist):
    def __init__(self, project: str, queue: str, claim_id: str) -> None:
        super().__init__(
            f"Claim {claim_id} does not exist in queue {queue} "
            f"for project {_project_text(project)}"
        )


class SubscriptionDoesNotExist(DoesNotExist):
    def __init__(self, subscription_id: str) -> None:
        super().__init__(f"Subscription {subscription_id} does not exist")


class MessageIsClaimed(ZaqarError):
    """Deleting a message under a live claim without that claim's id (403)."""

    status = 403
    title = "Unable to delete"

    def __init__(self) -> None:
        super().__init__(
            "This message is claimed; it cannot be deleted without a valid claim ID.")


class MessageNotClaimed(ZaqarError):
    """A claim id was given, but the message is not under any live claim (400)."""

    status = 400
    title = "Unable to delete"

    def __init__(self) -> None:
        super().__init__("A claim was specified, but the message is not currently claimed.")


class ClaimIdMalformed(ZaqarError):
    """The claim id given with a message delete is not a well-formed id (400)."""

    status = 400
    title = "Unable to delete"

    def __init__(self) -> None:
        super().__init__("The specified claim does not exist or has expired.")


class ClaimMismatch(ZaqarError):
    """A bulk delete named claim ids that hold none of the targeted messages (403)."""

    status = 403
    title = "Unable to delete"

    def __init__(self) -> None:
        super().__init__(
            "Every claim id given must hold at least one of the messages to delete.")


class Conflict(ZaqarError):
    """The request contradicts the resource's state (409)."""

    status = 409
    title = "Resource conflict"


class SubscriptionExists(Conflict):
    """Another live subscription of the queue has this subscriber (409); a new
    subscription answers with the collection as ``Location``, as Zaqar does."""

    def __init__(self, location: str | None = None) -> None:
        super().__init__("Such subscription already exists.Subscriptions are unique by "
                         "project + queue + subscriber URI.")
        if location is not None:
            self.headers["Location"] = location


class UnableToUpdateSubscription(ZaqarError):
    """A subscription update that names none of its members (400)."""

    status = 400
    title = "Unable to update subscription"

    def __init__(self) -> None:
        super().__init__("Give at least one of subscriber, ttl and options to update.")


class StorageUnavailable(ZaqarError):
    """The store could not be reached or failed (503); the request may be retried.

    The description shown to the client is the operation's own sentence (set by
    the resource), followed by a request to retry; ``reason`` is only logged.
    """

    status = 503
    title = "Service temporarily unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnreliableStore(StorageUnavailable):
    """A MongoDB deployment without replication while ``unreliable`` is not set."""


class HeaderError(ZaqarError):
    """A required request header is missing or malformed (400)."""

    status = 400

    def __init__(self, title: str, description: str) -> None:
        super().__init__(description)
        self.title = title


class InvalidQueueIdentification(ZaqarError):
    """A queue name outside 1-64 of ``A-Z a-z 0-9 _ - .``, or a project id over 256."""

    status = 400
    title = "Invalid queue identification"

    def __init__(self) -> None:
        super().__init__("The format of the submitted queue name or project id is not valid.")


class InvalidTopicIdentification(ZaqarError):
    """A topic name or project id that breaks the queue-name rules."""

    status = 400
    title = "Invalid topic identification"

    def __init__(self) -> None:
        super().__init__("The format of the submitted topic name or project id is not valid.")


class WrongUUID(ZaqarError):
    """A Client-ID that is not a UUID while ``client_id_uuid_safe = strict``."""

    status = 400
    title = "Wrong UUID value"

    def __init__(self) -> None:
        super().__init__("Malformed hexadecimal UUID.")


class ClientIdLength(ZaqarError):
    """Reported with a title only, as the reference does."""

    status = 400

    def __init__(self, low: int, high: int) -> None:
        super().__init__("")
        self.title = f"Length of client id must be at least {low} and no greater than {high}."


RETRY_SUFFIX = " Please try again in a few seconds."


class UnsupportedPatchType(ZaqarError):
    """A queue PATCH whose body is not a JSON-patch document (415)."""

    status = 415
    title = "415 Unsupported Media Type"

    def __init__(self, accepted: str) -> None:
        super().__init__(f"Accepted media type for PATCH: {{'Accept-Patch': '{accepted}'}}.")


class MissingClientId(HeaderError):
    """A request that must identify its client sent no ``Client-ID``."""

    def __init__(self) -> None:
        super().__init__("Missing header value", 'The "Client-ID" header is required.')
