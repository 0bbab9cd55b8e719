"""Settings of the task queue: Celery and its queues, the outbox, settlement's batches,
/readyz/ and the beat schedule. Django reads only portal.settings, whose __init__.py imports
every name defined here."""

import os

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from portal.settings.environment import TIME_ZONE, env_float, env_int

# Celery: with no broker the tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip()
if CELERY_BROKER_URL and "://" not in CELERY_BROKER_URL:
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL must be a broker URL such as redis://host:6379/0 (or empty to "
        f"run tasks at once, in the process), not {CELERY_BROKER_URL!r}."
    )
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Settlement spreads a large batch over several workers with a chord, which needs a result
# backend: the broker's Redis unless one is given.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL or None
CELERY_RESULT_EXPIRES = 24 * 3600
# One queue name per deployment (or per test run sharing a Redis database).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_DEFAULT_QUEUE", "celery").strip()
if not CELERY_TASK_DEFAULT_QUEUE:
    # An empty name put the tasks on a queue "" and the others on ".settlement", ".pdf"...
    raise ImproperlyConfigured("CELERY_DEFAULT_QUEUE must name a queue, such as celery.")
# Settlement, PDFs and e-mail each go to a queue of their own (portal/celery.py routes them),
# so each can have workers of its own: a long batch never delays a certificate or a mail.
# Unset, a name is the default queue's plus ".settlement", ".pdf" or ".email", so one
# CELERY_DEFAULT_QUEUE names a deployment's (or a test run's) four queues.
TASK_QUEUE_NAMES = {
    "settlement": os.environ.get("CELERY_SETTLEMENT_QUEUE", ""),
    "pdf": os.environ.get("CELERY_PDF_QUEUE", ""),
    "email": os.environ.get("CELERY_EMAIL_QUEUE", ""),
}
# A worker started without -Q consumes all four, so nothing is ever stranded; give -Q to
# make a worker serve one kind of work.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name, type="direct"), routing_key=name)
    for name in [
        CELERY_TASK_DEFAULT_QUEUE,
        *(
            explicit or f"{CELERY_TASK_DEFAULT_QUEUE}.{kind}"
            for kind, explicit in TASK_QUEUE_NAMES.items()
        ),
    ]
]
CELERY_TASK_ROUTES = ("portal.celery.route_task",)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
    # Look for the tasks of a dead worker every 10 s (kombu's default scans every 100 s), so
    # a settlement task is redelivered soon after its visibility timeout.
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    # A Redis that is away is noticed within a second, not after the OS's TCP timeout. The
    # read timeout stays above the worker's 1 s BRPOP poll.
    # 0 is no timeout that works (a socket that never waits): at least 0.1 s.
    "socket_connect_timeout": env_float("CELERY_BROKER_SOCKET_CONNECT_TIMEOUT", 1, minimum=0.1),
    "socket_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 5, minimum=0.1),
}
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 2, minimum=0.1)
# The outbox (portal/outbox.py): services' tasks are rows first, published after commit.
# Connection attempts per publish (0: one try; the relay is the retry), how long a process
# leaves new rows to the relay after a failed publish, the longest wait
# between two attempts at one row, when a row sent but not done is published again (the
# broker lost it), how often, how often a failing task is retried, and how long done rows
# are kept.
OUTBOX_PUBLISH_CONNECT_RETRIES = env_int("OUTBOX_PUBLISH_CONNECT_RETRIES", 0)
OUTBOX_BROKER_AWAY_PAUSE_SECONDS = env_float("OUTBOX_BROKER_AWAY_PAUSE_SECONDS", 5)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 60, minimum=1)
# 0 re-sent every row sent and not done at every relay; a keep of 0 days purged every
# done row at the next purge.
OUTBOX_RESEND_AFTER_SECONDS = env_int("OUTBOX_RESEND_AFTER_SECONDS", 1800, minimum=1)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 20, minimum=1)
OUTBOX_RUN_MAX_RETRIES = env_int("OUTBOX_RUN_MAX_RETRIES", 8)
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 7, minimum=1)
# `reconcile` reports outbox rows and certificates still missing after this many minutes.
OUTBOX_LATE_MINUTES = env_int("OUTBOX_LATE_MINUTES", 30)
# /readyz/: how long each dependency may take to answer.
READYZ_TIMEOUT_SECONDS = env_float("READYZ_TIMEOUT_SECONDS", 1, minimum=0.1)
CELERY_TASK_SERIALIZER = "json"
# Settlement: redemptions claimed per transaction, and at most how many tasks share a batch.
# (Tests only: SETTLEMENT_CHUNK_DELAY_SECONDS makes each claim chunk pause, so that a test can
# kill a worker in the middle of a batch; regions/settlement/services.py reads it, never set here.)
SETTLEMENT_CHUNK_SIZE = env_int("SETTLEMENT_CHUNK_SIZE", 25000, minimum=1)
SETTLEMENT_PARTS = env_int("SETTLEMENT_PARTS", 4, minimum=1)
# An open batch with no claimed chunk for this long is stalled (its worker died, its messages
# wait for the broker's visibility timeout): the minute beat re-queues what is left of it.
# 0 called every open batch stalled at once and re-queued it every minute.
SETTLEMENT_STALL_SECONDS = env_int("SETTLEMENT_STALL_SECONDS", 120, minimum=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "expire-vouchers-daily": {
        "task": "vouchers.tasks.expire_vouchers",
        "schedule": crontab(hour=0, minute=10),
    },
    "close-expired-demands-daily": {
        "task": "providers.tasks.close_expired_demands",
        "schedule": crontab(hour=0, minute=20),
    },
    "apply-rules-versions-daily": {
        "task": "regions.tasks.apply_rules_versions",
        "schedule": crontab(hour=0, minute=1),
    },
    "claim-notices": {
        "task": "vouchers.tasks.send_claim_notices",
        "schedule": env_float("CLAIM_NOTICE_EVERY_SECONDS", 60, minimum=0.01),
    },
    "reminders-daily": {
        "task": "regions.tasks.send_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "conclude-provider-notices": {
        "task": "providers.tasks.conclude_provider_notices",
        "schedule": crontab(minute="*/10"),
    },
    "settlement-nightly": {
        "task": "regions.tasks.create_nightly_settlement_batch",
        "schedule": crontab(hour=1, minute=0),
    },
    "settlement-resume-stalled": {
        "task": "regions.tasks.resume_stalled_settlement_batches",
        "schedule": env_float("SETTLEMENT_RESUME_EVERY_SECONDS", 60, minimum=0.01),
    },
    "seal-audit-chain": {
        "task": "regions.tasks.seal_audit_chain",
        "schedule": env_float("AUDIT_SEAL_EVERY_SECONDS", 60, minimum=0.01),
    },
    "reconcile-nightly": {
        "task": "regions.tasks.reconcile",
        "schedule": crontab(hour=3, minute=0),
    },
    "file-integrity-nightly": {
        "task": "providers.tasks.check_file_integrity",
        "schedule": crontab(hour=3, minute=30),
    },
    "purge-idempotency-keys": {
        "task": "portal.idempotency.purge_idempotency_keys",
        "schedule": crontab(hour=4, minute=0),
    },
    "relay-outbox": {
        "task": "portal.tasks.relay_outbox",
        "schedule": env_float("OUTBOX_RELAY_INTERVAL", 10, minimum=0.01),
        # A relay queued behind an outage is useless once the next one is due.
        "options": {"expires": env_float("OUTBOX_RELAY_INTERVAL", 10, minimum=0.01)},
    },
    "matching-digest-daily": {
        "task": "providers.tasks.send_matching_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    "purge-outbox": {
        "task": "portal.tasks.purge_outbox",
        "schedule": crontab(hour=4, minute=20),
    },
    "clear-expired-sessions-daily": {
        "task": "portal.tasks.clear_expired_sessions",
        "schedule": crontab(hour=4, minute=40),
    },
}
