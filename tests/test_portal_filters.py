"""`{% load portal %}`: money as "¥1,234.56" and ratios as percentages, the same in both
languages, and Chinese number formats that keep form inputs parseable."""

from decimal import Decimal

import pytest
from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import Context, Template
from django.utils import translation

from portal.templatetags.portal import cny, pct

LANGUAGES = ["en", "zh-hans"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_formats_money_the_same_in_both_languages(language):
    template = Template("{% load portal %}{{ a|cny }} {{ b|cny }} {{ c|cny }}")
    context = Context({"a": Decimal("1234567.891"), "b": Decimal("0"), "c": Decimal("-12.5")})
    with translation.override(language):
        assert template.render(context) == "¥1,234,567.89 ¥0.00 -¥12.50"


def test_it_rounds_half_up_to_the_cent():
    assert cny(Decimal("0.005")) == "¥0.01"
    assert cny(Decimal("2.675")) == "¥2.68"


def test_it_accepts_integers_and_decimal_strings():
    assert cny(1000) == "¥1,000.00"
    assert cny("150000.00") == "¥150,000.00"


@pytest.mark.parametrize("value", [None, "", "abc", 1.5, True, Decimal("NaN"), Decimal("Infinity")])
def test_it_shows_nothing_for_what_is_not_an_amount(value):
    # A float means money went through float somewhere: no figure that merely looks right.
    assert cny(value) == ""


def test_it_formats_ratios_as_percentages():
    assert pct(Decimal("0.5")) == "50%"
    assert pct(Decimal("0.333")) == "33.3%"
    assert pct(Decimal("0.125"), 0) == "13%"
    assert pct(Decimal("1")) == "100%"
    assert pct(None) == ""
    rendered = Template("{% load portal %}{{ r|pct }} {{ r|pct:2 }}").render(
        Context({"r": Decimal("0.12345")})
    )
    assert rendered == "12.3% 12.35%"


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_groups_intcomma_by_thousands_in_both_languages(language):
    # Django's own zh_Hans formats would print "10000000.00"; portal/formats/ overrides them.
    with translation.override(language):
        assert intcomma(Decimal("10000000.00")) == "10,000,000.00"


class AmountForm(forms.Form):
    amount = forms.DecimalField(max_digits=14, decimal_places=2)
    day = forms.DateField()


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_keeps_commas_out_of_amount_inputs(language):
    with translation.override(language):
        html = str(AmountForm(initial={"amount": Decimal("1500000.00")})["amount"])
    assert 'value="1500000.00"' in html


def test_it_reads_a_date_typed_the_chinese_way():
    with translation.override("zh-hans"):
        form = AmountForm({"amount": "1500.00", "day": "2026年5月1日"})
        assert form.is_valid(), form.errors
    assert str(form.cleaned_data["day"]) == "2026-05-01"
