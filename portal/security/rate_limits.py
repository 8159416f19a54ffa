"""Requests per client address within a fixed window, for what is cheap to ask and dear to answer:
the directory search and the public API. Rates are RATE_LIMITS[scope] ("60/m": count, then s, m, h or
d, optionally with a multiple as in "100/5m"), read on every request; RATE_LIMITS_ENABLED=False or a
rate of None turns a limit off. Counters live in the default cache, shared by every app server
with Redis (REDIS_URL); `cache.incr` is atomic there.
"""

import math
import re
import threading
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.shortcuts import render
from ninja.throttling import BaseThrottle

from .client_ip import client_ip

KEY_PREFIX = "portal:rate-limit"
TEMPLATE = "portal/rate_limited.html"
_RATE = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]*)\s*([smhd])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    match = _RATE.match(text)
    if match is None:
        raise ValueError(f"Not a rate (like '60/m'): {text!r}")
    count, multiple, unit = match.groups()
    return Rate(int(count), int(multiple or 1) * _SECONDS[unit])


def rate_for(scope: str) -> Rate | None:
    """The rate in force for `scope`, or None when it is not limited."""
    if not settings.RATE_LIMITS_ENABLED:
        return None
    text = settings.RATE_LIMITS.get(scope)
    return parse_rate(text) if text else None


def take(scope: str, ident: str, rate: Rate) -> int | None:
    """Count one request of `ident`; None if it is within the rate, else the seconds until the
    window ends (for Retry-After)."""
    now = time.time()
    window = int(now // rate.seconds)
    key = f"{KEY_PREFIX}:{scope}:{ident}:{window}"
    cache.add(key, 0, timeout=rate.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired or evicted between add and incr
        cache.set(key, 1, timeout=rate.seconds + 1)
        count = 1
    if count <= rate.count:
        return None
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def rate_limited(scope: str):
    """Decorate a view (or a routable page's view method) so that each client address may call it
    at RATE_LIMITS[scope]; beyond that it answers 429 with a page saying when to come back."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            request = args[0] if isinstance(args[0], HttpRequest) else args[1]
            rate = rate_for(scope)
            wait = take(scope, client_ip(request), rate) if rate is not None else None
            if wait is None:
                return view(*args, **kwargs)
            response = render(request, TEMPLATE, {"retry_after": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response

        return wrapper

    return decorator


class ClientRateThrottle(BaseThrottle):
    """A django-ninja throttle counting by client address at RATE_LIMITS[scope], like `rate_limited`.
    One instance serves every request (and thread), so the wait is kept per thread."""

    def __init__(self, scope: str):
        self.scope = scope
        self._local = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        rate = rate_for(self.scope)
        self._local.wait = take(self.scope, client_ip(request), rate) if rate is not None else None
        return self._local.wait is None

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)
