import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# The web processes' requests repeat the same short statements: PostgreSQL plans each once
# (portal/settings: DATABASE_PREPARED_STATEMENTS; "false" in the environment turns it off).
if not os.environ.get("DATABASE_PREPARED_STATEMENTS"):
    os.environ["DATABASE_PREPARED_STATEMENTS"] = "true"
application = get_wsgi_application()

from portal.warmup import warm_up  # noqa: E402 - needs the settings get_wsgi_application loaded

warm_up()
