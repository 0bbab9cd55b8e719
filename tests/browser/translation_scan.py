"""What a Chinese reader would see in English: the Latin words left in the visible text of a
page's header, navigation, main content and footer.

    untranslated_words(page, allowed=()) -> list of findings ("Wujin District", "Next")

Not findings: e-mail addresses and web addresses, anything with a digit in it (serials such
as WJ-2026-000001-7, credit codes, order numbers), the few words that are the same in both
languages (CSV, PDF, Excel, the language switch's "English"), and the phrases in `allowed`:
what people typed (names, titles, purposes, reasons, user names), which the portal shows as
they were entered. Each finding is one run of adjacent Latin words, as it reads on the page.
"""

import re
from collections.abc import Iterable

# Names that read the same in a Chinese text: file formats, programs, the API's standards,
# and the language switch, which names English in English on purpose.
SAME_IN_BOTH = {
    "API",
    "CSV",
    "Excel",
    "Word",
    "XLSX",
    "PDF",
    "SVG",
    "QR",
    "OpenAPI",
    "Swagger",
    "ReDoc",
    "REST",
    "JSON",
    "HTML",
    "English",
    "TOTP",
    "ID",
    "SHA-256",
    "SEM",
    "EDS",
    # File sizes (Django's filesizeformat writes the unit in Latin letters in Chinese too).
    "KB",
    "MB",
    "GB",
}

# The text a reader sees: every text node of the page's header, navigation, main content and
# footer that is rendered (a closed <details> hides its body; a <select>'s options count),
# one node a line. What is marked up as code (<code>: serials, credit codes, district codes)
# is a code, not a word to translate.
VISIBLE_TEXT = """() => {
  const roots = Array.from(document.querySelectorAll("header, nav, main, footer"))
    .filter((root) => !root.parentElement.closest("header, nav, main, footer"));
  const lines = [];
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!node.data.trim() || parent.closest("code, kbd, samp, script, style, template")) continue;
      const shown = parent.closest("select") || parent;
      if (!shown.checkVisibility({visibilityProperty: true})) continue;
      lines.push(node.data.trim());
    }
  }
  return lines.join("\\n");
}"""

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
ADDRESS = re.compile(r"(https?://|/)[\w./?=&%#:-]*[\w/]")
WITH_DIGIT = re.compile(r"[\w./·-]*\d[\w./·-]*")
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’.-]*(?:[ ,&]+[A-Za-z][A-Za-z'’.-]*)*")


def untranslated_words(page, allowed: Iterable[str] = ()) -> list[str]:
    """The Latin-script runs left in the page's visible text once the allowed ones are out."""
    text = page.evaluate(VISIBLE_TEXT)
    # Addresses first: an allowed username would otherwise leave "@example.com" behind.
    text = EMAIL.sub(" ", text)
    # Longest first, so that "Jiangnan Graphene Research Institute" goes before "Jiangnan".
    for phrase in sorted({p.strip() for p in allowed if p and p.strip()}, key=len, reverse=True):
        text = text.replace(phrase, " ")
    text = ADDRESS.sub(" ", text)
    text = WITH_DIGIT.sub(" ", text)
    findings = []
    for run in LATIN_RUN.findall(text):
        words = [w.strip(".-'’") for w in re.split(r"[ ,&]+", run)]
        words = [w for w in words if w and w not in SAME_IN_BOTH]
        if words:
            findings.append(" ".join(words))
    return findings
