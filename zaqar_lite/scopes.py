"""Topics live in a namespace of their own: a project's topics are stored as the
queues of its *topic scope*.

A topic scope is the project id followed by a unit separator (``\\x1f``) and
``topics``. HTTP header values cannot hold that control character, so no
client's project can ever name a topic scope, and topics and queues of one
project never meet. Everything that works on queues (messages,
subscriptions, stats, purge, notifications) works on topics unchanged.
"""

from __future__ import annotations

SEPARATOR = "\x1f"
TOPICS = SEPARATOR + "topics"


def topic_scope(project: str) -> str:
    """The store's project key for the topics of ``project``."""
    return project + TOPICS


def is_topic_scope(scope: str) -> bool:
    return scope.endswith(TOPICS)


def public_project(scope: str) -> str:
    """The client's project of a store project key (queues' or topics')."""
    return scope[: -len(TOPICS)] if is_topic_scope(scope) else scope
