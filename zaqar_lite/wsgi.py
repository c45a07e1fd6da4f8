"""``gunicorn zaqar_lite.wsgi:app``: settings from ``$ZAQAR_LITE_CONFIG`` and the environment.

Gunicorn imports this module in each worker after forking (unless preloading
is turned on), so every worker opens its own store and, unless
``deliver_in_server`` is off, starts its own notification deliverer.
"""

from zaqar_lite.app import create_delivering_app
from zaqar_lite.config import load_settings
from zaqar_lite.logs import configure_logging

settings = load_settings()
configure_logging(settings.debug)
app, deliverer = create_delivering_app(settings)
if deliverer is not None:
    deliverer.start()
