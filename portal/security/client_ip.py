"""The address a request came from, as the lockout and the rate limits count it."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's IP address. Behind TRUSTED_PROXY_COUNT reverse proxies (nginx, which appends
    the address it saw to X-Forwarded-For), it is the entry that many places from the end: anything
    before it was written by the client and could be made up. With none, REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]
