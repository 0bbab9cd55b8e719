"""Names as a Chinese page reads them: a provider registered under its English name alone, or
the English name shown after the Chinese one, is English text in a zh-Hans page, and a
screen reader read it with a Chinese voice, letter by letter."""

import re

from django import template
from django.utils.html import format_html

from providers.search import CJK
from regions.models import reads_chinese

register = template.Library()

CJK_CHARACTER = re.compile(f"[{CJK}]")


@register.filter
def lang_of_name(name) -> str:
    """`name`, marked English (<span lang="en">) where it has no Chinese character and the
    page is in Chinese (WCAG 3.1.2, language of parts); as it is otherwise."""
    name = "" if name is None else str(name)
    if not name or not reads_chinese() or CJK_CHARACTER.search(name):
        return name
    return format_html('<span lang="en">{}</span>', name)
