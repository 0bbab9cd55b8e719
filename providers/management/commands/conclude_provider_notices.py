"""Conclude the providers' public notices whose period has ended (what the beat task does)."""

from django.core.management.base import BaseCommand

from portal.management.commands._database import require_migrated_database
from providers.services import notices_conclude_due


class Command(BaseCommand):
    help = (
        "Certify each provider whose public notice has ended with no objection left "
        "unanswered, as the ten-minute task does (`make demo` runs no beat: run this once a "
        "notice's period is over)."
    )

    def handle(self, *args, **options):
        require_migrated_database()
        certified = notices_conclude_due()
        self.stdout.write(f"Certified {certified} provider(s) whose public notice ended.")
