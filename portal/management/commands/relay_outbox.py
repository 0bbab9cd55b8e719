"""Publish the outbox rows the broker has not taken yet (what beat's relay_outbox does)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.management.commands._database import require_migrated_database
from portal.outbox import relay_pending

# One run locks the rows it publishes in one transaction, and holds them in memory: a
# bigger backlog takes several runs.
MAX_LIMIT = 100_000


class Command(BaseCommand):
    help = "Publish pending outbox messages to the Celery broker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            action="store_true",
            help="Ignore each row's backoff: after an outage, publish everything at once.",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=500,
            help=f"At most this many messages in one run (1 to {MAX_LIMIT}; default 500).",
        )

    def handle(self, *args, now, limit, **options):
        if not 1 <= limit <= MAX_LIMIT:
            raise CommandError(
                _("--limit must be a whole number from 1 to %(maximum)d.") % {"maximum": MAX_LIMIT}
            )
        require_migrated_database()
        result = relay_pending(limit=limit, ignore_backoff=now)
        self.stdout.write(
            f"Published {result['sent']} of {result['considered']} outbox message(s); "
            f"{result['failed']} failed."
        )
        if result["failed"]:
            # Non-zero exit for cron and scripts: the broker is still away.
            raise SystemExit(1)
