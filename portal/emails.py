"""E-mail text lives in templates: `templates/emails/<name>_subject.txt` and `_body.txt`.

Rendered in the current language, so the zh-Hans catalogue translates them like any page.
"""

from django.template.loader import render_to_string


def render_email(name: str, context: dict) -> tuple[str, str]:
    """The subject (one line, whatever the template's line breaks) and the body (ending in
    one newline) of the e-mail `name`."""
    subject = render_to_string(f"emails/{name}_subject.txt", context)
    body = render_to_string(f"emails/{name}_body.txt", context)
    return " ".join(subject.split()), body.strip("\n") + "\n"
