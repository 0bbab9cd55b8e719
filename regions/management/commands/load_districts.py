"""`manage.py load_districts`: the four pilot districts, and nothing else (no demo data).

`migrate` creates them already; this puts them back on a database restored without them
and puts back their names if they were edited. Idempotent.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from portal.management.commands._database import require_migrated_database
from regions.services import districts_load


class Command(BaseCommand):
    help = "Create (or restore the names of) the four districts of the programme. No demo data."

    def handle(self, *args, **options):
        require_migrated_database()
        try:
            loaded = districts_load()
        except IntegrityError as error:
            raise CommandError(
                "A district's short code is used by another district row; fix it in the admin "
                f"first ({error})."
            ) from error
        for region, created in loaded:
            state = "created" if created else "present"
            self.stdout.write(f"{region.code:<10} {region.short_code:<3} {region.name} ({state})")
        made = sum(created for _, created in loaded)
        self.stdout.write(self.style.SUCCESS(f"The four districts are loaded ({made} new)."))
