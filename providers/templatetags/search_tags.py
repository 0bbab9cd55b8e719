"""The search lists' note of what a query's words did not search (providers/search.py)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from providers.search import MAX_QUERY_WORDS, words_left_out

register = template.Library()


@register.simple_tag
def search_words_note(query) -> str:
    """A query of more words than are searched said nothing and found what its first words
    match: the note names the words left out."""
    left_out = words_left_out(query if isinstance(query, str) else "")
    if not left_out:
        return ""
    return format_html(
        '<p class="message message-warning" role="status">{}</p>',
        _("Only the first %(max)s words were searched; left out: %(words)s.")
        % {"max": MAX_QUERY_WORDS, "words": " ".join(left_out)},
    )
