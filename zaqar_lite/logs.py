"""Logging set-up shared by the server and the command line."""

import logging
import sys

FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


def configure_logging(debug: bool) -> None:
    """Log to stderr, at DEBUG when asked, INFO otherwise.

    The format names no source line, thread or multiprocessing name, so records
    skip finding them (the optimisations of the logging HOWTO): the access log
    writes one record per request.
    """
    logging._srcfile = None
    logging.logThreads = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    logging.getLogger("pymongo").setLevel(logging.WARNING)
