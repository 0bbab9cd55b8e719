"""`manage.py create_operator --username NAME --email ADDRESS`: the first operator account.

The password is read from the environment variable OPERATOR_PASSWORD, or asked twice at the
terminal; never from the command line, where `ps` and the shell history would keep it.
Nothing is done when an operator account exists already (safe to run on every deploy).
"""

import os
import sys
from getpass import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.management.commands._database import require_migrated_database
from regions.models import User
from regions.services import operator_create, operator_input_errors

PASSWORD_VARIABLE = "OPERATOR_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create the programme operator's account if there is none. The password comes from "
        f"${PASSWORD_VARIABLE} or, at a terminal, from a prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)

    def handle(self, *args, username, email, **options):
        # Said before anything else: "nothing done" exited 0 on a name that was never valid.
        errors = operator_input_errors(username=username, email=email)
        if errors:
            raise CommandError("No operator created: " + " ".join(errors))
        require_migrated_database()
        existing = User.objects.filter(role=User.Role.OPERATOR).order_by("pk").first()
        if existing is not None:
            self.stdout.write(
                f"An operator account exists already ({existing.username}); nothing done."
            )
            return
        password = self.password()
        try:
            user = operator_create(username=username, email=email, password=password)
        except ValidationError as error:
            raise CommandError("No operator created: " + " ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Operator {user.username} created. Sign in at /login/; the second factor is "
                "set up at the first sign-in."
            )
        )

    def password(self) -> str:
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if password:
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                f"No password: set {PASSWORD_VARIABLE} or run the command at a terminal."
            )
        password = getpass("Operator password: ")
        if password != getpass("Again: "):
            raise CommandError("The two passwords differ; no operator created.")
        return password
