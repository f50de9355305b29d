"""The WSGI application: gunicorn service.wsgi:app"""

import logging

from service.app import create_app

# The process's logging is the entry point's choice (create_app leaves it alone, e.g. in tests).
logging.basicConfig(level=logging.INFO)
app = create_app()
