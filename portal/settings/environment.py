"""What every settings module (__init__.py, tasks.py, observability.py) needs: reading a
variable of the environment, DEBUG, and the portal's time zone, which Django and the Celery
beat share."""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    """A switch; a word it does not know stops the start: REQUIRE_2FA=enabled read as off
    turned the second factor off without a word."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be true or false (1/0, yes/no, on/off), not {value!r}."
    )


def _env_number(name: str, default, kind, minimum, maximum=None):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = kind(value.strip())
    except ValueError:
        number = None
    if number is None or number != number or number in (float("inf"), float("-inf")):
        raise ImproperlyConfigured(
            f"{name} must be a {'whole ' if kind is int else ''}number, not {value!r}."
        )
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value!r}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {value!r}.")
    return number


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number, checked at start with the variable's name (a bare ValueError named
    none)."""
    return _env_number(name, default, int, minimum, maximum)


def env_float(
    name: str, default: float, *, minimum: float = 0, maximum: float | None = None
) -> float:
    return _env_number(name, default, float, minimum, maximum)


def env_list(name: str, default: str) -> list[str]:
    """Comma separated; empty is unset (docker-compose.yml passes every variable, empty
    when the operator set none)."""
    value = os.environ.get(name) or default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_rate(name: str, default: str) -> str:
    """A rate as DRF writes it ("600/minute"), checked at start: a mistyped one would
    otherwise answer every request it throttles with a 500."""
    value = (os.environ.get(name) or default).strip()
    number, _slash, period = value.partition("/")
    # "0/minute" reads as a rate and refuses every request.
    if not (number.isdigit() and int(number) > 0 and period[:1] in ("s", "m", "h", "d")):
        raise ImproperlyConfigured(
            f"{name} must be a rate such as 30/minute (per second, minute, hour or day), "
            f"not {value!r}."
        )
    return value


TIME_ZONE = "Asia/Shanghai"

DEBUG = env_bool("DEBUG", True)
