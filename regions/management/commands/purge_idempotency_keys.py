"""Delete Idempotency-Key records older than 24 hours (or a longer age given)."""

import math
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.idempotency import RETENTION, purge_idempotency_records
from portal.management.commands._database import require_migrated_database

# Ten years: far past any age worth keeping, and well inside what a timedelta and a date
# can hold (a larger age overflowed them with a traceback).
MAX_HOURS = 10 * 8766


class Command(BaseCommand):
    help = (
        "Delete stored Idempotency-Key responses older than --hours "
        f"(at least 24, at most {MAX_HOURS})."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=float,
            default=24,
            help="Age in hours beyond which records go; clients are promised 24 at least.",
        )

    def handle(self, *args, hours, **options):
        # `nan` and `inf` parse as floats; a NaN also compares false with every bound.
        if not math.isfinite(hours) or hours > MAX_HOURS:
            raise CommandError(
                _("--hours must be a number from 24 to %(maximum)d (ten years).")
                % {"maximum": MAX_HOURS}
            )
        age = timedelta(hours=hours)
        if age < RETENTION:
            raise CommandError("Idempotency keys are kept at least 24 hours: use --hours >= 24.")
        require_migrated_database()
        deleted = purge_idempotency_records(older_than=age)
        self.stdout.write(f"Deleted {deleted} idempotency record(s) older than {hours:g} hours.")
