"""Every URL pattern the project serves, and what a response means for access.

Patterns come from Django's resolver, walked through every include (the site, Wagtail's admin with
the viewsets registered by hooks, the API, documents, i18n, page serving), so a new address shows
up here without anyone listing it.
"""

import fnmatch
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.messages import constants as message_levels
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Outcomes, as the matrix declares them and as `outcome_of` reads a response.
ALLOW = "ALLOW"  # 2xx, or a redirect somewhere other than a login page or a refusal
LOGIN = "LOGIN"  # an anonymous visitor sent to a login page
DENY = "DENY"  # 403, 404, a signed-in user sent to a login page, or Wagtail's refusal redirect
METHOD = "METHOD"  # 405: the address answers POST only; what POST does is checked apart
ERROR = "ERROR"  # 5xx: never expected


@dataclass(frozen=True)
class Pattern:
    key: str  # namespace:name, or the route when the pattern has no name
    route: str  # the full route from the root, as Django prints it

    @property
    def id(self) -> str:
        return f"{self.key} {self.route}" if self.key != self.route else self.key


def _walk(patterns, prefix: str = "", namespaces: tuple = ()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            key = ":".join((*namespaces, entry.name)) if entry.name else route
            yield Pattern(key, route)


def all_patterns() -> list[Pattern]:
    """Every pattern once; Wagtail registers a few twice under the same name and route."""
    return list(dict.fromkeys(_walk(get_resolver().url_patterns)))


def matching(key: str, globs) -> list[str]:
    return [glob for glob in globs if fnmatch.fnmatchcase(key, glob)]


ARGUMENT = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def fill(route: str, values: dict[str, object]) -> str:
    """The path of a `path()` route with its arguments replaced by `values` (objects give their
    primary key); a regular-expression route cannot be filled and must be given whole."""
    # Django REST framework's routers (Wagtail's admin API) anchor their part of the route.
    route = route.replace("^", "").replace("$", "")
    if "(" in route or "*" in route:
        raise ValueError(f"{route} is a regular expression: give the path in the matrix entry")

    def value(match):
        given = values[match["name"]]
        return str(getattr(given, "pk", given))

    return "/" + ARGUMENT.sub(value, route)


def argument_names(route: str) -> list[str]:
    return [match["name"] for match in ARGUMENT.finditer(route)]


def _login_paths() -> set[str]:
    paths = {reverse("wagtailadmin_login"), reverse("account_login"), reverse("wagtailcore_login")}
    return paths | {f"/en{path}" for path in paths if not path.startswith("/admin/")}


def outcome_of(response, *, signed_in: bool) -> str:
    """What the response means for access (see the constants above)."""
    status = response.status_code
    if status >= 500:
        return ERROR
    if status == 405:
        return METHOD
    if status == 401:
        return DENY if signed_in else LOGIN
    if status in (403, 404):
        return DENY
    if 300 <= status < 400:
        target = urlsplit(response["Location"]).path
        if target in _login_paths():
            return DENY if signed_in else LOGIN
        if target == reverse("wagtailadmin_home") and _refused(response):
            return DENY
        return ALLOW
    return ALLOW


def _refused(response) -> bool:
    """Wagtail answers a refused admin view with a redirect to the dashboard and an error message
    (wagtail.admin.auth.permission_denied); other redirects there (after saving) carry none."""
    storage = getattr(response.wsgi_request, "_messages", None)
    return any(message.level == message_levels.ERROR for message in storage or ())
