"""The statement's times are programme time (Asia/Shanghai) with their offset, however the
file is fetched: through the API (which reads times in UTC) the PDF printed the cutoff as
"06:58 (UTC+0000)" where the pages said 14:58."""

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from reportlab.pdfgen import canvas

from vouchers.models import Redemption

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def drawn(monkeypatch):
    """Every string the PDF draws, in order."""
    strings = []
    draw = canvas.Canvas.drawString

    def record(self, x, y, text, *args, **kwargs):
        strings.append(text)
        return draw(self, x, y, text, *args, **kwargs)

    monkeypatch.setattr(canvas.Canvas, "drawString", record)
    return strings


def test_the_pdf_through_the_api_prints_the_cutoff_in_programme_time(computed, demo, api_as, drawn):
    batch, _expected = computed

    response = api_as(demo["users"]["official-wujin"]).get(
        f"/api/settlement-batches/{batch.pk}/statements/WUJIN.pdf"
    )

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = " ".join(" ".join(drawn).split())  # summary lines wrap at spaces
    assert f"截止 cutoff {batch.cutoff.astimezone(SHANGHAI):%Y-%m-%d %H:%M} (UTC+08:00)" in text
    assert "UTC+0000" not in text


def test_the_csv_gives_each_decision_in_programme_time_with_its_offset(computed, demo, api_as):
    batch, _expected = computed

    response = api_as(demo["users"]["official-wujin"]).get(
        f"/api/settlement-batches/{batch.pk}/statements/WUJIN.csv"
    )

    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["redemption"].isdigit()]
    assert rows
    decided = dict(
        Redemption.objects.filter(pk__in=[int(r["redemption"]) for r in rows]).values_list(
            "pk", "decided_at"
        )
    )
    for row in rows:
        expected = decided[int(row["redemption"])]
        assert row["decided_at"] == expected.astimezone(SHANGHAI).isoformat()
        assert row["decided_at"].endswith("+08:00")
