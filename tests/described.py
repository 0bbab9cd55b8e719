"""What a screen reader is told about a page's fields, read from its HTML: every id that an
`aria-describedby` names must be an element of the page, or the help or the error it means
is never read out; and a group of boxes is a fieldset whose legend names it."""

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass
class Fieldset:
    attrs: dict[str, str | None]
    legend: str = ""


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        # (the described element's id or name, the ids its aria-describedby names)
        self.described: list[tuple[str, list[str]]] = []
        # an element's id -> the fieldset it stands in (the innermost)
        self.fieldset_of: dict[str, Fieldset] = {}
        self._open: list[Fieldset] = []
        self._in_legend = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
            if self._open:
                self.fieldset_of[attrs["id"]] = self._open[-1]
        if attrs.get("aria-describedby"):
            name = attrs.get("id") or attrs.get("name") or tag
            self.described.append((name, attrs["aria-describedby"].split()))
        if tag == "fieldset":
            self._open.append(Fieldset(attrs))
        elif tag == "legend":
            self._in_legend = True

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._open:
            self._open.pop()
        elif tag == "legend":
            self._in_legend = False

    def handle_data(self, data):
        if self._in_legend and self._open:
            self._open[-1].legend += data


def read(html: str | bytes) -> Page:
    page = Page()
    page.feed(html.decode() if isinstance(html, bytes) else html)
    page.close()
    return page


def assert_descriptions_resolve(html: str | bytes) -> Page:
    """Every id named in an aria-describedby is on the page; the page, for more checks."""
    page = read(html)
    dangling = [(name, i) for name, ids in page.described for i in ids if i not in page.ids]
    assert not dangling, f"aria-describedby names ids the page lacks: {dangling}"
    return page


def described_by(page: Page, element_id: str) -> list[str]:
    return next((ids for name, ids in page.described if name == element_id), [])
