"""/robots.txt: what a search engine may crawl.

The public pages (the programme, how to apply, rules, notices, open statistics, the
directories of providers, experts and technology managers, voucher verification, sign-up)
may be crawled. The API, the admin, account pages, the operations' endpoints and every area
behind a login may not: those answer a crawler with a redirect to the login page, which
would fill a search index with login pages. robots.txt is a request to well-behaved
crawlers, not access control: the signed-in areas check who is asking whatever this says.
"""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

# Prefixes: "/provider/" (a provider's own pages) does not cover "/providers/" (the public
# directory), and "/enterprise/" does not cover "/enterprises/".
PRIVATE_PREFIXES = [
    "/api/",
    "/admin/",
    "/account/",
    "/i18n/",
    "/logout/",
    "/healthz/",
    "/readyz/",
    "/metrics",
    "/dashboard/",
    "/official/",
    "/operator/",
    "/enterprise/",
    "/enterprises/",
    "/provider/",
    "/manager/",
    "/applications/",
    "/vouchers/",
    "/orders/",
    "/redemptions/",
    "/settlement/",
    "/people/",
    "/colleagues/",
    "/exports/",
    "/risk-flags/",
    "/expert-assignments/",
    "/demands/mine/",
]

ROBOTS_TXT = (
    "User-agent: *\n"
    + "".join(f"Disallow: {prefix}\n" for prefix in PRIVATE_PREFIXES)
    + "Allow: /\n"
)


@require_GET
def robots_txt(request):
    response = HttpResponse(ROBOTS_TXT, content_type="text/plain; charset=utf-8")
    # The same for everyone and changes only with a release.
    response["Cache-Control"] = "public, max-age=86400"
    return response
