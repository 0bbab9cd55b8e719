"""Django's password length rule with its message in the portal's catalogue.

Django 5.2 rewrote the "too short" message (`%d` for `%(min_length)d`) and its Chinese
catalogue still holds the old one, so every sign-up and invitation said it in English on a
Chinese page. The other validators' messages are translated by Django.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
