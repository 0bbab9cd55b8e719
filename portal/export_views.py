"""CSV and Excel exports of the lists officials and the operator work with.

Each app defines its own lists in its `exports.py`; this module only routes to them.

Each export reads the same query string as its page, applies the same filters through the
same scoped selector (an official gets their district's rows only), and hands the queryset
with its columns to `portal.exports`. Enterprise and provider users get 403: their own
pages are short, and these files are the districts' working lists.

| URL                                   | page(s) it mirrors                                  |
| ------------------------------------- | --------------------------------------------------- |
| /exports/applications.csv|.xlsx       | /official/applications/ (status, dates, amounts...) |
| /exports/vouchers.csv|.xlsx           | /vouchers/ (status)                                 |
| /exports/redemptions.csv|.xlsx        | /redemptions/ (status); ?queue=to_approve is        |
|                                       | /official/redemptions/, ?queue=to_pay /official/payments/ |
| /exports/providers.csv|.xlsx          | /providers/ (q, region, category; status, default   |
|                                       | certified); ?queue=to_certify is /providers/to-certify/ |
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.exports import export_response
from providers.exports import provider_export
from vouchers.exports import application_export, redemption_export, voucher_export

EXPORTS = {
    "applications": application_export,
    "vouchers": voucher_export,
    "redemptions": redemption_export,
    "providers": provider_export,
}


def _require_staff(request):
    user = request.user
    if not (user.is_official or user.is_operator):
        raise PermissionDenied(_("Exports are for district officials and the operator."))


@login_required
@require_GET
def export(request, kind, fmt):
    if kind not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    _require_staff(request)
    return export_response(EXPORTS[kind](request), fmt)
