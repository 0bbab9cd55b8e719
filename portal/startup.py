"""How every program of the portal refuses a setting it cannot use: one line on stderr naming
the variable and a non-zero exit, never a traceback (manage.py, gunicorn's portal.wsgi, the
Celery worker and beat through portal/celery.py)."""

import sys
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured

# gunicorn stops (instead of starting a new worker, again and again) when a worker exits
# with its "App failed to load" status.
APP_LOAD_ERROR = 4


@contextmanager
def refuse_bad_settings(program: str, *, status: int = 1):
    """Turn a setting refused by portal/settings (ImproperlyConfigured) into
    `<program>: <reason>` on stderr and exit status `status`."""
    try:
        yield
    except ImproperlyConfigured as error:
        print(f"{program}: {error}", file=sys.stderr, flush=True)
        # `from None`: the SystemExit must not carry the traceback along.
        raise SystemExit(status) from None
