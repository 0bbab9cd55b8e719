"""The environment of a portal process that a test starts: manage.py, gunicorn, a Celery
worker or beat, or `django.setup()` in a child process."""

import os


def child_environment(*, without: tuple[str, ...] = (), **env: str) -> dict[str, str]:
    """This process's environment, less every variable whose name starts with one of
    `without` and less DJANGO_ALLOW_ASYNC_UNSAFE, with `env` on top.

    What the test run itself was given (pgenv.sh's permission to reach the database from
    async code, a developer's DEBUG, CELERY_* or CACHE_*) would otherwise reach a child
    meant to start as an operator's machine starts it."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(without) and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environment.update(env)
    return environment
