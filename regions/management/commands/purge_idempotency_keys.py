"""Delete Idempotency-Key records older than 24 hours (or a longer age given)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from portal.idempotency import RETENTION, purge_idempotency_records


class Command(BaseCommand):
    help = "Delete stored Idempotency-Key responses older than --hours (at least 24)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=float,
            default=24,
            help="Age in hours beyond which records go; clients are promised 24 at least.",
        )

    def handle(self, *args, hours, **options):
        age = timedelta(hours=hours)
        if age < RETENTION:
            raise CommandError("Idempotency keys are kept at least 24 hours: use --hours >= 24.")
        deleted = purge_idempotency_records(older_than=age)
        self.stdout.write(f"Deleted {deleted} idempotency record(s) older than {hours:g} hours.")
