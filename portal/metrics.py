"""Prometheus metrics at /metrics.

Counted in the process that does the work: requests and their latency by view (the
middleware of portal/observability.py), task runs, failures and durations (Celery signals).
With PROMETHEUS_MULTIPROC_DIR set (before the process starts) every process writes its
counts to files in that directory and a scrape adds them up, so the figures of all gunicorn
workers, and of Celery workers on the same host sharing the directory, come out as one.

Read at scrape time, whichever process answers: the length of each Celery queue in Redis,
the outbox backlog, vouchers and redemptions by status from the database (one grouped query
each), and settlement batch durations (created -> computed) as a histogram.

The view answers only a client in METRICS_ALLOWED_NETWORKS (default 127.0.0.1/32) or one
sending `Authorization: Bearer <METRICS_TOKEN>`; anyone else gets a 404, a wrong token a 403.
"""

import hmac
import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

logger = logging.getLogger(__name__)


def process_identifier() -> str:
    """Names this process's files in PROMETHEUS_MULTIPROC_DIR: its host and its id. Each
    container numbers its processes from 1, and compose shares the directory between web and
    the Celery containers: two live processes writing one file overwrite each other's counts."""
    return f"{socket.gethostname()}-{os.getpid()}"


if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    from prometheus_client import values

    values.ValueClass = values.MultiProcessValue(process_identifier)

HTTP_REQUESTS = Counter(
    "portal_http_requests_total",
    "HTTP requests answered, by view, method and status code",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer an HTTP request, by view",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TASK_RUNS = Counter(
    "portal_celery_task_runs_total", "Celery task runs, by task and end state", ["task", "state"]
)
TASK_FAILURES = Counter(
    "portal_celery_task_failures_total", "Celery task runs that raised, by task", ["task"]
)
TASK_DURATION = Histogram(
    "portal_celery_task_duration_seconds",
    "Run time of a Celery task, by task",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800),
)

SETTLEMENT_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600)


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        # Not routed (404) or refused before routing: one label, not one per path.
        return "<unresolved>"
    return match.view_name or "<unnamed>"


def observe_request(request, status: int, seconds: float) -> None:
    view = _view_name(request)
    HTTP_REQUESTS.labels(view, request.method, str(status)).inc()
    HTTP_LATENCY.labels(view, request.method).observe(seconds)


def observe_task(name: str, state: str, seconds: float) -> None:
    TASK_RUNS.labels(name, state).inc()
    TASK_DURATION.labels(name).observe(seconds)


def observe_task_failure(name: str) -> None:
    TASK_FAILURES.labels(name).inc()


# --- Read at scrape -----------------------------------------------------------------------

# kombu's Redis transport keeps a queue with priorities in several lists: the name itself
# for priority 0 and name + this separator + step for the others.
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


def queue_names() -> list[str]:
    from portal.celery import app

    return sorted(set(app.amqp.queues.keys()) | {app.conf.task_default_queue})


class QueueDepthCollector:
    """Messages waiting in each Celery queue (Redis list lengths)."""

    def collect(self):
        from portal.celery import app

        gauge = GaugeMetricFamily(
            "portal_celery_queue_length", "Messages waiting in a Celery queue", labels=["queue"]
        )
        url = app.conf.broker_url or ""
        if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
            yield gauge  # no broker: tasks run in-process
            return
        import redis

        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            with client.pipeline(transaction=False) as pipe:
                names = queue_names()
                for name in names:
                    pipe.llen(name)
                    for step in _PRIORITY_STEPS:
                        pipe.llen(f"{name}{_PRIORITY_SEP}{step}")
                lengths = pipe.execute()
        except redis.RedisError as exc:
            logger.warning("metrics: queue lengths unknown: %r", exc)
            yield gauge
            return
        per_queue = len(_PRIORITY_STEPS) + 1
        for index, name in enumerate(names):
            gauge.add_metric([name], sum(lengths[index * per_queue : (index + 1) * per_queue]))
        yield gauge


class DatabaseCollector:
    """Vouchers, redemptions, the outbox and settlement durations, from the database."""

    def collect(self):
        try:
            yield from self._collect()
        except Exception as exc:
            # A database that is away must not turn the whole scrape into a 500.
            logger.warning("metrics: database figures unknown: %r", exc)

    def _collect(self):
        from portal.outbox import outbox_backlog
        from regions.models import SettlementBatch
        from vouchers.models import Redemption, Voucher

        vouchers = GaugeMetricFamily(
            "portal_vouchers", "Vouchers issued, by current status", labels=["status"]
        )
        face = GaugeMetricFamily(
            "portal_vouchers_face_value_cny", "Face value of issued vouchers", labels=["status"]
        )
        issued = 0
        for row in (
            Voucher.objects.order_by().values("status").annotate(n=Count("pk"), v=Sum("face_value"))
        ):
            vouchers.add_metric([row["status"]], row["n"])
            face.add_metric([row["status"]], float(row["v"] or 0))
            issued += row["n"]
        yield vouchers
        yield face
        yield GaugeMetricFamily("portal_vouchers_issued", "Vouchers ever issued", value=issued)

        redemptions = GaugeMetricFamily(
            "portal_redemptions", "Redemption claims, by status", labels=["status"]
        )
        redeemed = GaugeMetricFamily(
            "portal_redemptions_amount_cny",
            "Amount of redemption claims, by status",
            labels=["status"],
        )
        for row in (
            Redemption.objects.order_by().values("status").annotate(n=Count("pk"), v=Sum("amount"))
        ):
            redemptions.add_metric([row["status"]], row["n"])
            redeemed.add_metric([row["status"]], float(row["v"] or 0))
        yield redemptions
        yield redeemed

        backlog = outbox_backlog()
        yield GaugeMetricFamily(
            "portal_outbox_pending", "Outbox rows not done yet", value=backlog["pending"]
        )
        yield GaugeMetricFamily(
            "portal_outbox_oldest_pending_seconds",
            "Age of the oldest outbox row not done yet",
            value=backlog["oldest_seconds"],
        )

        duration = ExpressionWrapper(
            F("computed_at") - F("created_at"), output_field=DurationField()
        )
        aggregates = {
            f"le_{index}": Count("pk", filter=Q(duration__lte=timedelta(seconds=bound)))
            for index, bound in enumerate(SETTLEMENT_BUCKETS)
        }
        stats = (
            SettlementBatch.objects.filter(computed_at__isnull=False)
            .order_by()
            .annotate(duration=duration)
            .aggregate(count=Count("pk"), total=Sum("duration"), **aggregates)
        )
        buckets = [
            (str(float(bound)), stats[f"le_{index}"])
            for index, bound in enumerate(SETTLEMENT_BUCKETS)
        ]
        buckets.append(("+Inf", stats["count"]))
        total = stats["total"] or timedelta(0)
        yield HistogramMetricFamily(
            "portal_settlement_batch_duration_seconds",
            "Settlement batches from opening to computed",
            buckets=buckets,
            sum_value=total.total_seconds(),
        )
        batches = GaugeMetricFamily(
            "portal_settlement_batches", "Settlement batches, by status", labels=["status"]
        )
        for row in SettlementBatch.objects.order_by().values("status").annotate(n=Count("pk")):
            batches.add_metric([row["status"]], row["n"])
        yield batches


_scrape_registry = CollectorRegistry(auto_describe=False)
_scrape_registry.register(QueueDepthCollector())
_scrape_registry.register(DatabaseCollector())


def exposition() -> bytes:
    """The text a scrape gets: this process's counts (all processes' with
    PROMETHEUS_MULTIPROC_DIR), then the figures read now."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    return counted + generate_latest(_scrape_registry)


def _allowed(request):
    """None when the scrape may go on, else the refusal."""
    from portal.security import _in_networks, client_ip

    token = settings.METRICS_TOKEN
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        given = authorization.removeprefix("Bearer ").strip()
        if token and hmac.compare_digest(given.encode(), token.encode()):
            return None
        return HttpResponseForbidden("forbidden\n", content_type="text/plain")
    networks = settings.METRICS_ALLOWED_NETWORKS
    if networks and _in_networks(client_ip(request), networks):
        return None
    # Not ours to know about: the same answer as any unknown address.
    return HttpResponseNotFound("not found\n", content_type="text/plain")


@never_cache
@require_GET
def metrics_view(request):
    refused = _allowed(request)
    if refused is not None:
        return refused
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def child_exit(server, worker):
    """gunicorn `child_exit` hook (see README: Observability): forget a dead worker's live
    gauges in multiprocess mode. The portal's process metrics are counters and histograms,
    which keep their counts, so this is only tidiness."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(f"{socket.gethostname()}-{worker.pid}")
