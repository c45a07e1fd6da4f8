"""A request body as the core reads it: its announced size, then its JSON.

The core decides when to parse (some checks, such as the size cap, come
first), so it is handed a body to read rather than a parsed document.
"""

from __future__ import annotations

from typing import Any, Protocol


class Body(Protocol):
    """A request body; parsing raises InvalidBody with the reference's texts."""

    @property
    def length(self) -> int | None:
        """The announced size in bytes (``Content-Length``), or None."""

    @property
    def media_type(self) -> str | None:
        """The ``Content-Type`` as sent, or None."""

    def json(self, *, required: bool = False) -> Any:
        """The parsed document, or None when there is no body and it is optional."""

    def object(self, *, required: bool = False) -> dict[str, Any] | None:
        """Like ``json``, but the top level must be an object."""
