"""Locking a username out, from one address, after repeated failed logins (django-axes; settings
`AXES_*` in portal/settings/base.py). The site's login and the Wagtail admin's both go through
`django.contrib.auth.authenticate`, so one lockout covers both."""

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render

LOCKED_TEMPLATE = "portal/account/locked.html"


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first among AUTHENTICATION_BACKENDS: it refuses a locked-out username
    before any password is compared, and logs nobody in itself.

    A call without a request (the test client's `login()`, a shell) is no login over the web and has
    no address to count: it goes on to the next backend instead of failing, as it did before."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_username(request, credentials) -> str | None:
    """The username that failures are counted under (AXES_USERNAME_CALLABLE): as typed, less case
    and surrounding spaces, so that `Admin` and ` admin` count as one."""
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else request.POST.get(field)
    return username.strip().lower() if isinstance(username, str) else username


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE), with 429 Too Many Requests."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    response = render(
        request,
        LOCKED_TEMPLATE,
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT, "login_url": request.get_full_path()},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    if cool_off:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response
