from django.urls import re_path

from regions import export_views as views

urlpatterns = [
    re_path(
        r"^exports/(?P<kind>applications|vouchers|redemptions|providers)\.(?P<fmt>csv|xlsx)$",
        views.export,
        name="export",
    ),
]
