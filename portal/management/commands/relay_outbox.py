"""Publish the outbox rows the broker has not taken yet (what beat's relay_outbox does)."""

from django.core.management.base import BaseCommand

from portal.outbox import relay_pending


class Command(BaseCommand):
    help = "Publish pending outbox messages to the Celery broker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            action="store_true",
            help="Ignore each row's backoff: after an outage, publish everything at once.",
        )
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, now, limit, **options):
        result = relay_pending(limit=limit, ignore_backoff=now)
        self.stdout.write(
            f"Published {result['sent']} of {result['considered']} outbox message(s); "
            f"{result['failed']} failed."
        )
        if result["failed"]:
            # Non-zero exit for cron and scripts: the broker is still away.
            raise SystemExit(1)
