"""gunicorn's settings for every environment: `gunicorn -c config/gunicorn.conf.py`.

Read from the environment (docs/deployment.md lists them); a command-line option wins over
this file, which is how `make run` passes --bind.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# gthread: each worker process serves GUNICORN_THREADS requests at once, one database
# connection per thread; sync is one request (and one connection) per process.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 4)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # an import of a large export
graceful_timeout = 30
keepalive = 5
# The app is loaded in each worker after the fork: no database connection, no huey storage
# handle is ever shared between processes.
preload_app = False

# X-Forwarded-Proto and friends are believed only from these addresses (the proxy).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # "" turns it off
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")

# gunicorn >= 25 opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl):
# two servers on one machine would fight over it. Nothing here uses gunicornc.
control_socket_disable = True
