from django.core.management.base import BaseCommand, CommandError

from portal.management.commands._database import require_migrated_database
from regions.services import reconciliation_run


class Command(BaseCommand):
    help = "Re-check every money invariant; exit non-zero and list the breaches if any."

    def handle(self, *args, **options):
        require_migrated_database()
        report = reconciliation_run()
        for key, value in report.checked.items():
            self.stdout.write(f"checked {key}: {value}")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("Reconciliation clean: no breach."))
            return
        for breach in report.breaches:
            self.stderr.write(str(breach))
        raise CommandError(
            f"Reconciliation found {len(report.breaches)} breach(es) (report #{report.pk})."
        )
