"""How a service asks for background work: by the task's name, after its transaction commits.

Services never import `tasks.py` (tasks import services), so they name the task here.
"""

import importlib

from django.db import transaction


def task_by_name(task_name: str):
    """The registered Celery task; its module is imported on first use, because the web
    process does not run the worker's autodiscovery."""
    from portal.celery import app

    if task_name not in app.tasks:
        importlib.import_module(task_name.rsplit(".", 1)[0])
    return app.tasks[task_name]


def enqueue(task_name: str, **kwargs) -> None:
    """Queue the Celery task `task_name` with keyword arguments once the transaction commits."""
    task = task_by_name(task_name)
    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))
