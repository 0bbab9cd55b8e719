from decimal import Decimal

import pytest

from portal.errors import ValidationFailed
from portal.money import parse_money


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1500", Decimal("1500.00")),
        ("1500.5", Decimal("1500.50")),
        (" 1500.50 ", Decimal("1500.50")),
        ("０.０１", Decimal("0.01")),
        ("１５００．５０", Decimal("1500.50")),
        (1500, Decimal("1500.00")),
        (Decimal("12.3"), Decimal("12.30")),
    ],
)
def test_it_reads_what_people_type(typed, amount):
    assert parse_money(typed) == amount


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "  ",
        "1_000",
        ".5e1",
        "5e1",
        "12.",
        ".5",
        "-5",
        "+5",
        "1,000",
        "1.234",
        "NaN",
        "Infinity",
        "0x10",
        "١٢",
        1.5,
        True,
        None,
        [],
        Decimal("1.234"),
        Decimal("NaN"),
    ],
)
def test_it_refuses_anything_else(typed):
    with pytest.raises(ValidationFailed):
        parse_money(typed)


def test_it_refuses_zero_unless_allowed():
    with pytest.raises(ValidationFailed):
        parse_money("0")
    assert parse_money("0", allow_zero=True) == Decimal("0.00")


def test_it_refuses_amounts_the_database_cannot_hold():
    with pytest.raises(ValidationFailed):
        parse_money("1000000000000")
    assert parse_money("999999999999.99") == Decimal("999999999999.99")


def test_it_names_the_field_it_refuses():
    with pytest.raises(ValidationFailed) as refused:
        parse_money("abc", field="approved_amount")
    assert refused.value.field == "approved_amount"


@pytest.mark.parametrize(
    "typed,amount",
    [
        ("250,000.00", "250000.00"),
        ("¥250,000.00", "250000.00"),
        ("￥1,500", "1500.00"),
        # A Chinese input method's full-width digits and comma: ３００，０００
        ("\uff13\uff10\uff10\uff0c\uff10\uff10\uff10", "300000.00"),
    ],
)
def test_a_form_reads_an_amount_as_the_pages_print_it(typed, amount):
    from portal.money import MoneyFormField

    assert MoneyFormField().clean(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["1,5", "12,34,567", "1,000.123"])
def test_commas_not_in_groups_of_three_are_still_refused(typed):
    from django import forms

    from portal.money import MoneyFormField

    with pytest.raises(forms.ValidationError):
        MoneyFormField().clean(typed)


def test_the_api_keeps_plain_decimal_strings():
    with pytest.raises(ValidationFailed):
        parse_money("250,000.00")


@pytest.mark.parametrize("typed", ["-100", "- 5", "−1500.50", "－１００", "-1,000", -5])
def test_a_negative_amount_is_told_it_must_be_more_than_zero(typed):
    # "Enter an amount in yuan, like 1500.00." did not say what was wrong with "-100".
    with pytest.raises(ValidationFailed) as refused:
        parse_money(typed)
    assert refused.value.message == "The amount must be more than zero."
    with pytest.raises(ValidationFailed) as refused:
        parse_money(typed, allow_zero=True)
    assert refused.value.message == "The amount cannot be negative."


@pytest.mark.parametrize("typed", ["50,000.555", "8,000.001", "１,０００．１２３", "1000.999"])
def test_three_decimals_are_told_as_such_with_or_without_thousands_commas(typed):
    with pytest.raises(ValidationFailed) as refused:
        parse_money(typed)
    assert refused.value.message == "Amounts have at most two decimal places."
