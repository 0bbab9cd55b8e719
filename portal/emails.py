"""E-mail text lives in templates (`templates/emails/<name>_subject.txt` and `_body.txt`),
translated with `{% blocktranslate %}` in the language that is active when it is rendered."""

from django.template.loader import render_to_string


def render_email(name: str, context: dict) -> tuple[str, str]:
    """The subject (one line) and the body (ending in one newline) of the e-mail `name`."""
    subject = "".join(render_to_string(f"emails/{name}_subject.txt", context).splitlines())
    body = render_to_string(f"emails/{name}_body.txt", context)
    return subject.strip(), body.rstrip("\n") + "\n"
