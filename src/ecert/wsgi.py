"""WSGI entry point for gunicorn (`ecert serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecert.settings")
application = get_wsgi_application()
