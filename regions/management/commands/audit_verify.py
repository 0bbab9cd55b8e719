from django.core.management.base import BaseCommand, CommandError

from portal.management.commands._database import require_migrated_database
from regions.audit_chain import audit_chain_seal, audit_chain_verify


class Command(BaseCommand):
    help = (
        "Seal the audit entries written since the last run into the hash chain, then prove the "
        "chain intact; exit non-zero naming the first broken link."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="Only verify what is sealed; do not seal new entries first.",
        )

    def handle(self, *args, no_seal=False, **options):
        require_migrated_database()
        if not no_seal:
            sealed = audit_chain_seal()
            self.stdout.write(f"sealed {sealed} new audit entries")
        report = audit_chain_verify()
        if not report.intact:
            raise CommandError(
                f"Audit chain broken at link {report.broken_at} (audit entry "
                f"{report.broken_entry}): {report.problem}. {report.links - 1} links before it "
                "hold."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.links} links verified"
                + (f", {report.unsealed} entries not sealed yet." if report.unsealed else ".")
            )
        )
        self.stdout.write(f"head of the chain: link {report.links}, hash {report.head_hash}")
