"""The WSGI application gunicorn serves (`gunicorn -c config/gunicorn.conf.py`).

Production settings unless DJANGO_SETTINGS_MODULE says otherwise: a server started without it
refuses to start (no SECRET_KEY) rather than serving with DEBUG on. `make run` sets
config.settings.run."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_wsgi_application()
