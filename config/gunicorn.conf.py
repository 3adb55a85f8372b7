"""gunicorn's settings for the image (`gunicorn -c config/gunicorn.conf.py`) and the smoke test.

Workers: `WEB_CONCURRENCY` (gunicorn reads it itself; the image sets 3). Logs go to stderr in the
platform's one format (config/logging.py); gunicorn's own access log is off because each request
is logged with its request id by core.requestid.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.logging import gunicorn_logconfig  # noqa: E402

wsgi_app = "config.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
accesslog = None
errorlog = "-"
logconfig_dict = gunicorn_logconfig()
# Requests still running get this long after SIGTERM (compose's stop_grace_period is longer).
graceful_timeout = 20
timeout = 60
# No control socket: it would need a writable home folder, and nothing here uses it.
control_socket_disable = True
# Whether a request came over HTTPS is Django's call alone (DJANGO_SECURE_PROXY_SSL_HEADER):
# gunicorn derives nothing from forwarded headers, so an empty setting there really means none.
secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = ""
