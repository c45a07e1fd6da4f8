"""What every resource needs: the store, the validator, settings and the clock."""

from __future__ import annotations

import dataclasses

from zaqar_lite.config import Settings
from zaqar_lite.storage.base import Clock, Store
from zaqar_lite.validation import RequestValidator


@dataclasses.dataclass(frozen=True)
class Services:
    store: Store
    validator: RequestValidator
    settings: Settings
    clock: Clock

    def now(self) -> int:
        return int(self.clock())
