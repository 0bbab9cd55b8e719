#!/usr/bin/env python
import os
import sys


def _while_connecting(error: BaseException) -> bool:
    """Whether the database error was raised while opening the connection (server away, no
    such database), not by a statement on an open one."""
    frame = error.__traceback__
    while frame is not None:
        code = frame.tb_frame.f_code
        if code.co_name == "ensure_connection" and code.co_filename.endswith(
            os.path.join("django", "db", "backends", "base", "base.py")
        ):
            return True
        frame = frame.tb_next
    return False


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    from portal.startup import refuse_bad_settings

    # A setting the operator must fix (portal/settings): the message, not a traceback.
    with refuse_bad_settings("manage.py"):
        try:
            execute_from_command_line(sys.argv)
        except OperationalError as error:
            # Django's own commands (migrate, showmigrations, ...) let a database that cannot
            # be reached out as a traceback; the portal's commands say it in one line
            # (portal/management/commands/_database.py), and so does this for the others.
            if not _while_connecting(error):
                raise
            from portal.management.commands._database import database_unreachable

            sys.exit(f"manage.py: {database_unreachable(error)}")


if __name__ == "__main__":
    main()
