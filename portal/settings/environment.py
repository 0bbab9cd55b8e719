"""What both settings modules (__init__.py and tasks.py) need: reading a variable of the
environment, and the portal's time zone, which Django and the Celery beat share."""

import os


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TIME_ZONE = "Asia/Shanghai"
