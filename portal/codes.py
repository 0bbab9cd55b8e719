"""Unified social credit codes (GB 32100-2015) and the programme's serial numbers."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code_check_character(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    """As stored: upper case, without the spaces and dashes people group it with, and with
    a Chinese input method's full-width letters and digits read as ASCII (NFKC)."""
    code = unicodedata.normalize("NFKC", value or "").upper()
    return "".join(
        c for c in code if not c.isspace() and c not in "-\u2010\u2011\u2012\u2013\u2014\u2015"
    )


def validate_credit_code(value: str) -> None:
    """Raise a ValidationError that says exactly what is wrong with the code."""
    code = normalise_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="credit_code_length",
            params={"n": len(code)},
        )
    bad = sorted({c for c in code if c not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code may not contain %(chars)s (only digits and letters other than I, O, S, V, Z)."
            ),
            code="credit_code_alphabet",
            params={"chars": ", ".join(bad)},
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "The check character (the last one) does not match: please check the code for a typing error."
            ),
            code="credit_code_check",
        )


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def voucher_serial(*, short_code: str, year: int, number: int) -> str:
    """`WJ-2026-000123-7`: district, year, sequence and a Luhn check digit."""
    body = f"{year:04d}{number:06d}"
    return f"{short_code}-{year:04d}-{number:06d}-{luhn_digit(body)}"


def certificate_serial(*, short_code: str, year: int, number: int) -> str:
    """`PC-YP-2026-0001-4`: a provider certificate of a district."""
    body = f"{year:04d}{number:04d}"
    return f"PC-{short_code}-{year:04d}-{number:04d}-{luhn_digit(body)}"


# Dashes a keyboard or an input method types for "-": the em dash of a Chinese input method's
# shift+minus, the hyphen, the non-breaking hyphen, the figure and en dashes, the minus sign.
DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


# Spaces between a serial's parts, with or without its hyphen among them.
SPACED_PARTS = re.compile(r"\s*-\s*|\s+")


def typed_serial(text: str) -> str:
    """A serial as typed, in the serial's own characters: a Chinese input method types
    full-width letters, digits and hyphens (ＷＪ－２０２６), which NFKC turns back, and dashes.
    A serial read out or copied from paper often comes with spaces between its parts
    (`YP 2026 000001 1`): they stand for its hyphens.
    The public check's page and its API read a serial the same way."""
    text = unicodedata.normalize("NFKC", text).translate(DASHES).strip()
    return SPACED_PARTS.sub("-", text)


def _serial_parts(serial: str) -> tuple[str, str] | None:
    """(body, check) of a voucher or certificate serial of the right shape, else None."""
    parts = serial.split("-")
    if len(parts) == 4:
        _short, year, number, check = parts
        digits = 6
    elif len(parts) == 5 and parts[0] == "PC":
        _pc, _short, year, number, check = parts
        digits = 4
    else:
        return None
    body = year + number
    if not (len(year) == 4 and len(number) == digits and body.isdigit()):
        return None
    if not (len(check) == 1 and check.isdigit()):
        return None
    return body, check


def serial_is_well_formed(serial: str) -> bool:
    parts = _serial_parts(serial)
    return parts is not None and luhn_digit(parts[0]) == parts[1]


def serial_check_digit_is_wrong(serial: str) -> bool:
    """A serial of the right shape whose last digit does not match the rest: mistyped (or
    made up), as a single wrong or swapped digit almost always gives this."""
    parts = _serial_parts(serial)
    return parts is not None and luhn_digit(parts[0]) != parts[1]


def clean_credit_code(value: str | None) -> str:
    """The code in its stored form, or a ValidationFailed on `credit_code` saying what is wrong."""
    from portal.errors import ValidationFailed

    code = normalise_credit_code(value)
    try:
        validate_credit_code(code)
    except ValidationError as error:
        raise ValidationFailed(
            " ".join(error.messages), field="credit_code", code="credit_code"
        ) from error
    return code
