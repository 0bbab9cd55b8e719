"""The one check the portal's commands make before touching the database.

Not a command itself (the leading underscore keeps Django from listing it)."""

from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def database_unreachable(error: Exception) -> str:
    """The sentence for a database that cannot be asked at all, with the first line of the
    driver's reason (which names the host and port, never the password); manage.py says the
    same for Django's own commands (migrate, showmigrations)."""
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    return _(
        "The database cannot be reached (%(reason)s): check DATABASE_URL and that the "
        "database server runs and holds that database."
    ) % {"reason": reason}


def require_migrated_database() -> None:
    """Refuse, with the fix, a database the code's migrations are not all applied to.

    Asked before a command reads or writes anything, so that on an empty or half-migrated
    database it stops with one line instead of a traceback from the first missing table, and
    leaves nothing half-written. A database that cannot be asked at all (no such file, server
    away, no permission) is refused the same way, naming the error."""
    try:
        connection.ensure_connection()
    except DatabaseError as error:
        # Not a migration missing: "run migrate" sent the operator to a traceback there.
        raise CommandError(database_unreachable(error)) from error
    try:
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        raise CommandError(
            _("The database is not ready (%(error)s): run `manage.py migrate` first.")
            % {"error": type(error).__name__}
        ) from error
    if unapplied:
        raise CommandError(
            ngettext(
                "The database is not ready (%(count)d migration not applied): "
                "run `manage.py migrate` first.",
                "The database is not ready (%(count)d migrations not applied): "
                "run `manage.py migrate` first.",
                len(unapplied),
            )
            % {"count": len(unapplied)}
        )


def refuse_in_production() -> None:
    """Demo and load data never go into the programme's database: seed_demo adds an
    `operator` whose password the README prints, and made-up enterprises and vouchers."""
    from django.conf import settings

    if settings.PRODUCTION:
        raise CommandError(
            _("PRODUCTION is on: demo and load data are not written to the programme's database.")
        )
