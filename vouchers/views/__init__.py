"""Pages of the vouchers app: enterprises, applications, vouchers and redemptions.

Every object is fetched through a scoped selector (outsiders get 404); a role that may never
use a page gets 403. Inline actions answer htmx with a partial and plain POSTs with a redirect.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

PAGE_SIZE = 25


def require_enterprise(request):
    if not (request.user.is_enterprise and request.user.enterprise_id):
        raise PermissionDenied(_("This page is for enterprise users."))


def require_official(request, *, operator_too: bool = False):
    if not (request.user.is_official or (operator_too and request.user.is_operator)):
        raise PermissionDenied(_("This page is for district officials."))
