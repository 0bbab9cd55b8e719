"""A risk flag cleared twice is refused with the time of the first clearing, in the programme's
time zone (Asia/Shanghai) through the API too, which otherwise reads times in UTC."""

from datetime import UTC, datetime

import pytest

from providers.models import RiskFlag
from providers.services.risk import risk_flag_clear, risk_flag_raise

pytestmark = pytest.mark.django_db


def test_the_api_refusal_gives_the_first_clearing_in_programme_time(demo, api_as):
    official = demo["users"]["official-wujin"]
    flag = risk_flag_raise(order=demo["order"], kind=RiskFlag.Kind.SPLIT_CONTRACT, evidence={})
    risk_flag_clear(flag_id=flag.pk, actor=official, reason="Two separate projects.")
    # 23:45 UTC is 07:45 the next morning in Shanghai.
    RiskFlag.objects.filter(pk=flag.pk).update(cleared_at=datetime(2026, 12, 6, 23, 45, tzinfo=UTC))

    again = api_as(official).post(
        f"/api/risk-flags/{flag.pk}/clear/", {"reason": "Again."}, format="json"
    )

    assert again.status_code == 409
    assert again.json() == {
        "detail": "This risk flag was already cleared on 2026-12-07 07:45 (UTC+08:00).",
        "code": "already_cleared",
    }
