"""Helpers of the seed-story browser test: a person with their own browser context, the page
text in the run's language, a valid credit code and a real small PDF for the evidence upload.

Locators are written with the English message ids and turned into the run's language with the
project's own catalogue (`Person.t`), so one test body drives both languages; the Chinese run
also asserts that the page really shows Chinese (`Person.check`).
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation

from portal.codes import credit_code_check_character
from tests.browser.conftest import Site, check_page, expect, log_in

# What the browser asks for (Accept-Language); LocaleMiddleware picks the page language from it.
BROWSER_LOCALES = {"en": "en-GB", "zh-hans": "zh-CN"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def tr(language: str, message: str, context: str = "", **params) -> str:
    """`message` (in `context`, when the template gives one) as the portal shows it in
    `language` (the committed catalogue)."""
    with translation.override(language):
        text = translation.pgettext(context, message) if context else translation.gettext(message)
    return text % params if params else text


def exactly(text: str) -> re.Pattern:
    """A whole-text pattern: "Verify" must not also match "Verified" or "Verify a voucher"."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def in_language(language: str, obj) -> str:
    """`str(obj)` in `language`: regions and categories name themselves in the active one."""
    with translation.override(language):
        return str(obj)


def credit_code(first17: str) -> str:
    """A unified social credit code whose GB 32100 check character is right."""
    return first17 + credit_code_check_character(first17)


def evidence_pdf(folder: Path, name: str = "process-report.pdf") -> Path:
    """A real one-page PDF (reportlab, a base-14 font, so a couple of kilobytes)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = folder / name
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle("Graphene powder process optimisation: test report")
    pdf.drawString(72, 770, "Graphene powder preparation process optimization")
    pdf.drawString(72, 750, "Ball-milling and exfoliation parameters: final report")
    pdf.showPage()
    pdf.save()
    assert path.read_bytes().startswith(b"%PDF-")
    return path


@dataclass
class Person:
    """One of the story's people: a browser context of their own, one tab, one language."""

    who: str
    page: object
    language: str
    site: Site
    # window.confirm() questions the person answered "OK" to, in order.
    confirmations: list[str] = field(default_factory=list)
    pages_checked: list[str] = field(default_factory=list)

    def t(self, message: str, context: str = "", **params) -> str:
        return tr(self.language, message, context, **params)

    def go(self, path: str):
        response = self.page.goto(self.site.at(path))
        assert response is not None and response.ok, (
            f"{path} answered {response and response.status}"
        )
        return response

    def nav(self, message: str):
        """Follow a link of the main navigation, as a person reading the menu would."""
        menu = self.page.get_by_role("navigation", name=self.t("Main"))
        # On a phone the menu folds behind one button: open it first.
        toggle = self.page.locator(".nav-toggle")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        # Some items end with a count badge ("Risk queue 2").
        name = re.compile(rf"^\s*{re.escape(self.t(message))}(\s+\d+)?\s*$")
        link = menu.get_by_role("link", name=name, include_hidden=True)
        # An official's menu groups its links: open the group first, as a person would.
        group = menu.locator("details").filter(
            has=self.page.get_by_role("link", name=name, include_hidden=True)
        )
        if group.count() and not group.evaluate("details => details.open"):
            group.locator("summary").click()
        link.click()

    def button(self, message: str, scope=None, context: str = ""):
        return (scope or self.page).get_by_role("button", name=exactly(self.t(message, context)))

    def link(self, message: str, scope=None):
        return (scope or self.page).get_by_role("link", name=exactly(self.t(message)))

    def field(self, message: str, scope=None):
        # After the label: maybe Django's label suffix (":" / "："), maybe "(optional)".
        label = re.compile(rf"^\s*{re.escape(self.t(message))}\s*[:：]?\s*([(（].*[)）])?\s*$")
        return (scope or self.page).get_by_label(label)

    def confirm_was_asked(self, message: str) -> None:
        assert self.confirmations and self.confirmations[-1] == self.t(message), self.confirmations

    def check(self, name: str, /, *, heading: str | None = None, **params) -> None:
        """The page is in the run's language (its first heading too, when it is a translated
        message); then a screenshot and the axe-core check."""
        page = self.page
        expect(page.locator("html")).to_have_attribute("lang", self.language)
        h1 = page.get_by_role("heading", level=1)
        if heading is not None:
            expect(h1).to_contain_text(self.t(heading, **params))
        if self.language.startswith("zh"):
            # include_hidden: on a phone the menu is folded away behind its button.
            menu = page.get_by_role(
                "navigation", name=self.t("Main"), include_hidden=True
            ).text_content()
            assert CJK.search(menu), f"{name}: the menu is not in Chinese: {menu!r}"
            if heading is not None:
                assert CJK.search(h1.inner_text()), (
                    f"{name}: the heading {h1.inner_text()!r} is not translated"
                )
        check_page(page, f"{self.who}-{name}")
        self.pages_checked.append(name)


def open_person(new_context, site: Site, language: str, who: str, *, username=None) -> Person:
    """A new browser context (cookies, session and language of its own) with one tab; with
    `username`, logged in through the login page."""
    context = new_context()
    # Fail fast: every page of the story answers in well under a second.
    context.set_default_timeout(10_000)
    page = context.new_page()
    # Playwright dismisses dialogs by default, which would cancel every `data-confirm` form.
    person = Person(who=who, page=page, language=language, site=site)

    def answer_ok(dialog):
        person.confirmations.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer_ok)
    if username:
        log_in(page, site.url, username, site.password)
        expect(page.locator(".user-chip")).to_contain_text(username)
        expect(page.locator("html")).to_have_attribute("lang", language)
    return person
