"""Small factories for the voucher story's tests."""

from decimal import Decimal

import pytest

from portal.codes import credit_code_check_character


def valid_credit_code(stem: str = "91320412MA1ABC001") -> str:
    return stem + credit_code_check_character(stem)


@pytest.fixture
def submit(demo):
    """`submit("enterprise-yangpu", "10000.00")` -> a submitted application (via the service)."""
    from vouchers.services import application_submit

    def make(username: str = "enterprise-jiangnan", amount="10000.00", purpose="Test the thing"):
        user = demo["users"][username]
        return application_submit(
            enterprise=user.enterprise,
            requested_amount=Decimal(amount),
            purpose=purpose,
            actor=user,
        )

    return make


@pytest.fixture
def approve(demo):
    from vouchers.services import application_approve

    def make(application, amount=None, official=None):
        official = (
            official
            or {
                "WUJIN": "official-wujin",
                "YANGPU": "official-yangpu",
                "NANHU": "official-nanhu",
                "HEFEI_HT": "official-hefei",
            }[application.region.code]
        )
        return application_approve(
            application=application, actor=demo["users"][official], approved_amount=amount
        )

    return make


@pytest.fixture
def rules_of():
    from regions.models import ProgrammeRules
    from regions.selectors import current_year

    def get(code: str):
        return ProgrammeRules.objects.get(region__code=code, year=current_year())

    return get


# An enterprise registered with a wrong name and code: what the registration correction
# tests (page and API) start from.
WRONG_NAME = "Changzhou Jiangnan Tech Co."
WRONG_CODE = valid_credit_code("91320412MA1ABC001")
RIGHT_CODE = valid_credit_code("91320412MA1ABC002")


@pytest.fixture
def newcomer(demo):
    """An enterprise of Wujin, registered with a wrong name and code, and its user."""
    from regions.models import User
    from vouchers.models import Enterprise

    enterprise = Enterprise.objects.create(
        name=WRONG_NAME,
        credit_code=WRONG_CODE,
        region=demo["regions"]["WUJIN"],
        industry="Graphite",
        size="micro",
        contact_name="Zhang San",
        contact_email="zhang@graphite.example",
    )
    user = User.objects.create_user(
        username="graphite", password="x-pass-2026!", role="enterprise", enterprise=enterprise
    )
    return enterprise, user
