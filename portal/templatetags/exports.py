"""`{% export_links "applications" %}`: the "Export CSV / Excel" links of a list page.

The links carry the page's own query string (less the page number), so the file holds
exactly the rows the filters select, on every page; fixed parameters such as
`queue="to_approve"` name the page's queue. Only officials and the operator see them.
"""

from django import template

register = template.Library()

NOT_FILTERS = ("page", "page_size")


@register.inclusion_tag("partials/export_links.html", takes_context=True)
def export_links(context, kind, **fixed):
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = bool(user and user.is_authenticated and (user.is_official or user.is_operator))
    query = ""
    if allowed:
        params = request.GET.copy()
        for name in NOT_FILTERS:
            params.pop(name, None)
        for name, value in fixed.items():
            params[name] = value
        query = params.urlencode()
    return {"allowed": allowed, "kind": kind, "query": query}
