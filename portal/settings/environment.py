"""What both settings modules (__init__.py and tasks.py) need: reading a variable of the
environment, and the portal's time zone, which Django and the Celery beat share."""

import os

from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_rate(name: str, default: str) -> str:
    """A rate as DRF writes it ("600/minute"), checked at start: a mistyped one would
    otherwise answer every request it throttles with a 500."""
    value = os.environ.get(name, default).strip()
    number, _slash, period = value.partition("/")
    if not (number.isdigit() and period[:1] in ("s", "m", "h", "d")):
        raise ImproperlyConfigured(
            f"{name} must be a rate such as 30/minute (per second, minute, hour or day), "
            f"not {value!r}."
        )
    return value


TIME_ZONE = "Asia/Shanghai"
