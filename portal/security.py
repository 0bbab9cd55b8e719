"""Who the client is, and requests refused before any view sees them."""

from ipaddress import ip_address, ip_network

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse


def _in_networks(address: str, networks: list[str]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in ip_network(network, strict=False) for network in networks)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, unless that is one of TRUSTED_PROXY_IPS.

    Behind a trusted proxy, X-Forwarded-For is read from the right: the first address that
    is not itself a trusted proxy is the one the proxy saw. Anything a client writes further
    left is its own claim and is ignored, so a spoofed header can neither hide an attacker
    nor reset its lock-out counter. With no trusted proxy configured the header is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = settings.TRUSTED_PROXY_IPS
    if not trusted or not _in_networks(remote, trusted):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _in_networks(hop, trusted):
            try:
                return str(ip_address(hop))
            except ValueError:
                return remote
    return remote


class RefuseNulCharacters:
    """400 for a NUL character in the path, the query string or a form body.

    No address, filter or form value of the portal holds one, and PostgreSQL refuses NUL in
    text, so a lookup with one would fail deep in a view with a 500. Multipart bodies are
    left alone: uploaded files may hold any byte, and their text fields are checked by the
    forms and serializers that read them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._holds_nul(request):
            message = "The request holds a NUL character."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "bad_request"}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _holds_nul(request) -> bool:
        if "\x00" in request.path_info:
            return True
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return True
        if request.content_type == "application/x-www-form-urlencoded":
            return b"%00" in request.body or b"\x00" in request.body
        return False


class ContentSecurityPolicy:
    """Sends the CONTENT_SECURITY_POLICY setting with every response that has none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
