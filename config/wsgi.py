import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Search's Finnish dictionary loads in the background instead of in the first search.
from core.search import warm_in_background  # noqa: E402

warm_in_background()
