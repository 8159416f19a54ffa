"""The larger-text mode without JavaScript: a form posts here, the choice is kept in a cookie for a
year, and base.html reads the cookie. (With JavaScript, text-size.js sets the same cookie itself.)"""

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

COOKIE_NAME = "text_size"
SIZES = ("normal", "large")
MAX_AGE = 365 * 24 * 60 * 60


def safe_next(request) -> str:
    """Where to go back to: the posted `next` (or the referring page) if it is on this site, else
    the home page, so the view cannot be used to send people to another site."""
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return "/"


@require_POST
def set_text_size(request):
    size = request.POST.get("size")
    response = HttpResponseRedirect(safe_next(request))
    if size in SIZES:
        # Readable by JavaScript on purpose: text-size.js keeps it in step with localStorage.
        response.set_cookie(COOKIE_NAME, size, max_age=MAX_AGE, samesite="Lax", secure=request.is_secure())
    return response
