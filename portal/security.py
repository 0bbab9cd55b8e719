"""Who the client is: the one answer used by the login lock-out and the API throttles."""

from ipaddress import ip_address, ip_network

from django.conf import settings


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
