"""The operations every API version shares, bundled over one store.

Resources of every version call these with their version's rules; they
return domain values (never HTTP shapes) and raise domain errors.
"""

from __future__ import annotations

from typing import Any

from zaqar_lite.config import Settings
from zaqar_lite.core.claims import Claims
from zaqar_lite.core.encryption import BodyCipher
from zaqar_lite.core.health import run_health_check
from zaqar_lite.core.messages import Messages
from zaqar_lite.core.notifications import Doorbell, Notifications
from zaqar_lite.core.queues import Queues
from zaqar_lite.core.sharing import Sharing
from zaqar_lite.core.subscriptions import Subscriptions
from zaqar_lite.storage.base import Clock, Store
from zaqar_lite.validation import RequestValidator


class Core:
    """Queues, messages, claims and subscriptions of one store, with the configured
    limits; ``doorbell`` wakes this process's deliverer after posts."""

    def __init__(self, store: Store, settings: Settings, clock: Clock,
                 doorbell: Doorbell | None = None) -> None:
        self.validator = RequestValidator(settings)
        notifications = Notifications(store, settings, clock, doorbell)
        cipher = BodyCipher(settings.message_encryption_key)
        self.queues = Queues(store, self.validator)
        self.messages = Messages(store, self.validator, settings, notifications, cipher)
        self.claims = Claims(store, self.validator, cipher)
        self.subscriptions = Subscriptions(store, self.validator, settings, clock,
                                           notifications)
        self.sharing = Sharing(settings, self.validator, clock)
        self._store = store
        self._clock = clock

    def now(self) -> int:
        """The current second, from the injected clock."""
        return int(self._clock())

    def ping(self) -> bool:
        """Whether the store answers."""
        return self._store.ping()

    def health(self) -> dict[str, Any]:
        """Exercise the store end to end and count the outbox (see ``core.health``)."""
        return run_health_check(self._store)
