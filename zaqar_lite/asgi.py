"""``gunicorn -k zaqar_lite.serving.worker.Worker zaqar_lite.asgi:app``: the app as
``zaqar-lite serve`` runs it, with settings from ``$ZAQAR_LITE_CONFIG`` and the
environment and gunicorn settings of your own."""

from zaqar_lite.app import create_asgi_app
from zaqar_lite.config import load_settings
from zaqar_lite.logs import configure_logging

settings = load_settings()
configure_logging(settings.debug)
app = create_asgi_app(settings)
