"""``gunicorn zaqar_lite.wsgi:app``: settings from ``$ZAQAR_LITE_CONFIG`` and the environment.

Gunicorn imports this module in each worker after forking (unless preloading
is turned on), so every worker opens its own store and, unless
``deliver_in_server`` is off, starts its own notification deliverer.
"""

from zaqar_lite.app import create_app, open_configured_store
from zaqar_lite.config import load_settings
from zaqar_lite.logs import configure_logging
from zaqar_lite.notify.deliverer import Deliverer

settings = load_settings()
configure_logging(settings.debug)
store = open_configured_store(settings)
deliverer = Deliverer(store, settings) if settings.deliver_in_server else None
app = create_app(settings, store=store, doorbell=deliverer.ring if deliverer else None)
if deliverer is not None:
    deliverer.start()
