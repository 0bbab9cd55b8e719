"""Send the officials' claim notices now (what the minute beat task does)."""

from django.core.management.base import BaseCommand

from portal.management.commands._database import require_migrated_database
from vouchers.services.claim_notices import claim_notices_send


class Command(BaseCommand):
    help = (
        "E-mail each district's officials the new claims to decide, as the minute task does "
        "(`make demo` runs no beat: run this after a claim to see the notice)."
    )

    def handle(self, *args, **options):
        require_migrated_database()
        sent = claim_notices_send()
        self.stdout.write(f"Sent {sent} claim notice(s).")
