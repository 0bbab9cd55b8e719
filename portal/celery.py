import os

from celery import Celery

from portal.startup import refuse_bad_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")


@app.on_configure.connect
def _refuse_bad_settings(sender=None, **kwargs):
    """A worker or beat with a setting portal/settings refuses says so in one line and exits
    1, as manage.py does; Celery would read it first deep inside its command line, as a
    traceback. Sent when Celery first reads its configuration (from the Django settings)."""
    with refuse_bad_settings("celery"):
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - imports the settings module now


app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Tasks that live outside an app's tasks.py module.
app.conf.imports = ("portal.idempotency",)

# Which kind of work each task is; a task not named here goes to the default queue (the
# outbox relay, reconciliation, expiry, purges: short and few).
TASK_KINDS = {
    "regions.tasks.settle_batch": "settlement",
    "regions.tasks.settle_batch_part": "settlement",
    "regions.tasks.finish_settlement_batch": "settlement",
    "regions.tasks.create_nightly_settlement_batch": "settlement",
    "regions.tasks.resume_stalled_settlement_batches": "settlement",
    "vouchers.tasks.generate_voucher_certificate": "pdf",
    "providers.tasks.generate_provider_certificate": "pdf",
    "regions.tasks.send_notification": "email",
    "regions.tasks.send_password_reset": "email",
    "regions.tasks.notify_officials": "email",
}
KINDS = ("settlement", "pdf", "email")


def queue_name(kind: str | None) -> str:
    """The queue of a kind of work (None: the default queue), named at the time of asking:
    the tests give each test process a default queue of its own while it runs."""
    from django.conf import settings

    default = app.conf.task_default_queue
    if kind is None:
        return default
    return settings.TASK_QUEUE_NAMES.get(kind) or f"{default}.{kind}"


def queue_for(task_name: str) -> str:
    return queue_name(TASK_KINDS.get(task_name))


def all_queues() -> list[str]:
    """Every queue a worker must consume for nothing to be stranded."""
    return [queue_name(None), *(queue_name(kind) for kind in KINDS)]


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): a queue given to apply_async still wins."""
    if name in TASK_KINDS:
        return {"queue": queue_for(name)}
    return None
