"""Names, states and figures in the reader's language: the model methods and
chart helpers the pages, e-mails and exports use."""

from decimal import Decimal

import pytest
from django.utils import translation

from portal.charts import _fmt, bar_chart, month_label
from regions.models import AuditEntry
from regions.services import audit_record
from tests.exports.conftest import column, csv_rows

pytestmark = pytest.mark.django_db


def test_districts_categories_providers_and_enterprises_name_themselves_per_language(demo):
    wujin = demo["regions"]["WUJIN"]
    sit = demo["providers"]["provider-sit"]
    jiangnan = demo["enterprises"]["enterprise-jiangnan"]
    category = sit.categories.order_by("id").first()
    with translation.override("zh-hans"):
        assert (str(wujin), wujin.display_name) == ("武进区", "武进区")
        assert str(category) == category.name_zh
        assert (sit.display_name, sit.other_name) == (
            "上海应用技术大学",
            "Shanghai Institute of Technology",
        )
        assert jiangnan.display_name == "常州江南石墨烯科技有限公司"
    with translation.override("en"):
        assert str(wujin) == "Wujin District"
        assert str(category) == category.name
        assert (sit.display_name, sit.other_name) == (
            "Shanghai Institute of Technology",
            "上海应用技术大学",
        )
        assert str(jiangnan) == "Changzhou Jiangnan Graphene Technology Co., Ltd."


def test_a_name_recorded_in_one_language_only_is_shown_in_both(demo):
    jiangnan = demo["enterprises"]["enterprise-jiangnan"]
    jiangnan.name_zh = ""
    with translation.override("zh-hans"):
        assert (jiangnan.display_name, jiangnan.other_name) == (jiangnan.name, "")


def test_history_tables_show_recorded_states_by_their_labels(demo):
    order = demo["order"]
    entry = audit_record(
        actor=None, obj=order, action="accept", from_status="requested", to_status="accepted"
    )
    registered = audit_record(
        actor=None, obj=demo["enterprises"]["enterprise-jiangnan"], action="verify",
        from_status="unverified", to_status="verified",
    )  # fmt: skip
    with translation.override("zh-hans"):
        assert (entry.from_status_label, entry.to_status_label) == ("待受理", "已接单")
        assert (registered.from_status_label, registered.to_status_label) == ("未核验", "已核验")
        assert AuditEntry(object_type="gone.model").status_label("odd_code") == "odd_code"
    with translation.override("en"):
        assert (entry.from_status_label, entry.to_status_label) == ("Requested", "Accepted")


@pytest.mark.parametrize(
    ("amount", "zh", "en"),
    [
        ("200000", "20万", "200k"),
        ("15000", "1.5万", "15k"),
        ("150000000", "1.5亿", "150M"),
        ("800", "800", "800"),
        # One decimal: ¥1,500 read "2k" and ¥8,172.83 "8k" on the operator's flow matrix.
        ("1500", "1500", "1.5k"),
        ("8172.83", "8173", "8.2k"),
        ("2500000", "250万", "2.5M"),
    ],
)
def test_chart_figures_follow_the_reader_convention(amount, zh, en):
    with translation.override("zh-hans"):
        assert _fmt(Decimal(amount)) == zh
    with translation.override("en"):
        assert _fmt(Decimal(amount)) == en


def test_chart_months():
    with translation.override("zh-hans"):
        assert [month_label(m) for m in (1, 12)] == ["1月", "12月"]
    with translation.override("en"):
        assert [month_label(m) for m in (1, 12)] == ["Jan", "Dec"]


def test_an_empty_chart_says_so_and_its_axis_reads_0():
    """A district with no vouchers yet: the axis read 1 (yuan) over no bars."""
    zeros = [("Issued", [Decimal(0)] * 3), ("Redeemed", [None] * 3)]
    with translation.override("zh-hans"):
        empty = str(bar_chart(title="t", labels=["1月", "2月", "3月"], series=zeros))
        assert ">0</text>" in empty and ">1</text>" not in empty
        assert "暂无数据" in empty
    with translation.override("en"):
        figures = str(bar_chart(title="t", labels=["Jan"], series=[("Issued", [Decimal(20000)])]))
    assert "No figures yet" not in figures and ">20k</text>" in figures


def test_two_charts_on_a_page_have_their_own_title_ids():
    first = str(bar_chart(title="a", labels=["Jan"], series=[("Issued", [Decimal(1)])]))
    second = str(bar_chart(title="b", labels=["Jan"], series=[("Issued", [Decimal(1)])]))
    ids = [text.split('aria-labelledby="')[1].split('"')[0] for text in (first, second)]
    assert ids[0] != ids[1]


def test_exports_name_enterprises_and_providers_in_the_reader_language(demo, client):
    client.force_login(demo["users"]["official-wujin"])
    client.cookies["django_language"] = "zh-hans"
    rows = csv_rows(client.get("/exports/vouchers.csv"))
    assert column(rows, "企业") == ["常州江南石墨烯科技有限公司"]
    assert column(rows, "所在区") == ["武进区"]
    client.cookies["django_language"] = "en"
    rows = csv_rows(client.get("/exports/vouchers.csv"))
    assert column(rows, "Enterprise") == ["Changzhou Jiangnan Graphene Technology Co., Ltd."]


def test_the_flow_matrix_puts_a_long_district_name_over_two_lines():
    """Four names of 110 px cells ran together: "→ Nanhu District→ Hefei High-tech Zone"."""
    from portal.charts import flow_matrix

    svg = flow_matrix(
        title="Flows",
        codes=["NANHU", "HEFEI_HT"],
        names=["Nanhu District", "Hefei High-tech Zone"],
        amounts={("NANHU", "HEFEI_HT"): Decimal("1500")},
    )
    assert ">→ Hefei</tspan>" in svg and ">High-tech Zone</tspan>" in svg
    assert ">→ Nanhu District</tspan>" in svg
