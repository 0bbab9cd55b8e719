"""E-mail text lives in templates: `templates/emails/<name>_subject.txt` and `_body.txt`.

Each e-mail is written in its reader's language: the one they last used the portal in
(`User.language`, kept by `remember_language` when they sign in or use the switch in the
header), so an English-speaking official acting on a Chinese enterprise's order still writes
to the enterprise in Chinese. An address that belongs to nobody who ever chose (a contact
address, a user who has not signed in since) gets the language of whoever acted.
The zh-Hans catalogue translates the templates like any page.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render_email(name: str, context: dict) -> tuple[str, str]:
    """The subject (one line, whatever the template's line breaks) and the body (ending in
    one newline) of the e-mail `name`, in the current language."""
    subject = render_to_string(f"emails/{name}_subject.txt", context)
    body = render_to_string(f"emails/{name}_body.txt", context)
    return " ".join(subject.split()), body.strip("\n") + "\n"


def render_email_in(language: str, name: str, context) -> tuple[str, str]:
    """`render_email` in `language`. `context` may be a function returning the context: it
    is then called in that language, so that the names and words it computes are too."""
    with translation.override(language):
        return render_email(name, context() if callable(context) else context)


def supported_language(language: str | None) -> str | None:
    """The portal's code for `language`, as settings.LANGUAGES spells it ("zh-hans" for
    "zh-Hans", "ZH-HANS" or "zh-cn"; "en" for "EN"), or None when it has no such language."""
    try:
        variant = translation.get_supported_language_variant((language or "").lower())
    except LookupError:
        return None
    codes = {code.lower(): code for code, _name in settings.LANGUAGES}
    return codes.get(variant.lower())


def current_language() -> str:
    return supported_language(translation.get_language()) or settings.LANGUAGE_CODE


def addresses_by_language(
    addresses, *, languages: dict | None = None, fallback: str | None = None
) -> dict[str, list[str]]:
    """{language: addresses}, each address in its reader's language (see the module).
    `languages`: {address: language} read already by the caller; else read here. `fallback`:
    the language of the addresses of no known reader (the current one by default)."""
    addresses = sorted({a for a in addresses if a})
    if languages is None:
        from regions.models import User

        languages = dict(
            User.objects.filter(email__in=addresses)
            .exclude(language="")
            .values_list("email", "language")
        )
    fallback = supported_language(fallback) or current_language()
    groups: dict[str, list[str]] = {}
    for address in addresses:
        language = supported_language(languages.get(address)) or fallback
        groups.setdefault(language, []).append(address)
    return groups


def remember_language(user, language: str | None) -> None:
    """Keep `language` as the one `user`'s e-mails are written in (nothing when unchanged)."""
    code = supported_language(language)
    if code is None or not getattr(user, "pk", None) or getattr(user, "language", None) == code:
        return
    from django.contrib.auth import get_user_model

    # An UPDATE of the one column: saving the user would also drop its cached API token.
    get_user_model().objects.filter(pk=user.pk).update(language=code)
    user.language = code
