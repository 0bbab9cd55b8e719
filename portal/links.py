"""Absolute addresses of the portal's pages, for whatever leaves the site: certificate PDFs
and their QR codes, e-mails. They are built from the configured public address
(`PORTAL_BASE_URL`), never from a request's Host header: a Celery worker has no request, and
a certificate printed today must point at the portal's public address, not at whichever
name a visitor happened to use."""

from django.conf import settings
from django.urls import reverse


def portal_url(viewname: str, *args) -> str:
    """`PORTAL_BASE_URL` + the path of the named page (a trailing slash in the setting is
    tolerated)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(viewname, args=args)
