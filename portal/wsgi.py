import os

from django.core.wsgi import get_wsgi_application

from portal.startup import APP_LOAD_ERROR, refuse_bad_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# The web processes' requests repeat the same short statements: PostgreSQL plans each once
# (portal/settings: DATABASE_PREPARED_STATEMENTS; "false" in the environment turns it off).
if not os.environ.get("DATABASE_PREPARED_STATEMENTS"):
    os.environ["DATABASE_PREPARED_STATEMENTS"] = "true"
# A refused setting: one line and gunicorn's "App failed to load" status, which stops
# gunicorn rather than have it boot a new worker into the same refusal forever.
with refuse_bad_settings("portal.wsgi", status=APP_LOAD_ERROR):
    application = get_wsgi_application()

from portal.health import log_missing_static_manifest  # noqa: E402 - needs the settings
from portal.warmup import warm_up  # noqa: E402 - needs the settings get_wsgi_application loaded

# Every page would be a 500 (its {% static %} names a manifest entry that does not exist):
# say so once, as the process starts, with the fix; /readyz/ then says "static" is down.
log_missing_static_manifest()
warm_up()
