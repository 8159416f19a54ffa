"""Anonymous visitors' copies of the public directory and organization pages.

A page is kept under its full URL (scheme, host, path and query), the language, the text size
chosen in the header and the day (grades and credit listings depend on it), and under a version
number kept in the cache itself. Any write to what these pages show bumps the version, so every
copy is dropped at once, on every app server that shares the cache (Redis with REDIS_URL); copies
also expire after PAGE_CACHE_TIMEOUT seconds, which bounds what the version cannot see (Wagtail
content outside the directory page, bulk updates that send no signal).

Only GET and HEAD requests of visitors who are not logged in, with no pending messages, are
served from or stored in the cache; only 200 responses that set no cookie of their own and leave
the session unchanged are stored. The one per-visitor part of these pages, the CSRF token of the
header's forms (text size, language), is kept as a placeholder and filled in for each visitor.
The `X-Page-Cache: hit|miss` header tells the two apart; pages outside the cache have none.

`PageCacheMiddleware` serves the copies before URL resolution, Wagtail's routing and the
middleware after it (authentication, messages, two-factor...), which made a cached page cost
10–25 times the minimal view (docs/performance.md). It serves only visitors who cannot be logged
in (no session cookie) and have no messages waiting (no messages cookie); everyone else goes on to
`cache_for_anonymous` on the page's route, which decides as before. Copies are stored on the way
out with the headers that the inner middleware added (X-Frame-Options), so that a copy served
early carries them too.
"""

import hashlib
import re
import time
from collections.abc import Callable
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.cache import get_max_age, patch_vary_headers
from wagtail.models import PageViewRestriction, Site, get_page_models
from wagtail.signals import page_published, page_unpublished, post_page_move

from registry.signals import organizations_saved_in_bulk

HEADER = "X-Page-Cache"
VERSION_KEY = "portal:page-cache:version"
KEY_PREFIX = "portal:page-cache:page"
CSRF_PLACEHOLDER = b"__portal_page_cache_csrf_token__"
_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')

# What the directory and organization pages show, besides the organization itself: a write to
# any of these drops the cached pages (app label, model name).
SHOWN_MODELS = [
    ("registry", "Organization"),
    ("registry", "ActivityField"),
    ("registry", "AdministrativeUnit"),
    ("registry", "AnnualReport"),
    ("registry", "CreditListing"),
    ("registry", "AdministrativePenalty"),
    ("evaluation", "OrganizationGrade"),
    ("federation", "Federation"),
    ("federation", "Membership"),
    ("portal", "BureauSettings"),
]


def timeout() -> int:
    return settings.PAGE_CACHE_TIMEOUT


def current_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # A fresh start (or an evicted counter) begins above any number used before, so that no
        # copy kept under an old number can be mistaken for a current one.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def bump_version() -> None:
    """Drop every cached page (they stay in the cache until they expire, never read again)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no counter yet, or evicted
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def data_changed(sender=None, using=None, **kwargs) -> None:
    """Receiver for writes to what the pages show. Bumps at once, so that the writer's own next
    request sees the change, and again after the commit, so that a page rendered from the old
    rows while the transaction was open cannot be stored under the new number."""
    bump_version()
    transaction.on_commit(bump_version, using=using)


def _relation_changed(sender=None, action="", using=None, **kwargs) -> None:
    if action.startswith("post_"):
        data_changed(sender, using=using)


def connect_signals() -> None:
    """Connect `data_changed` to the writes of SHOWN_MODELS (called from PortalConfig.ready)."""
    for app_label, model_name in SHOWN_MODELS:
        model = apps.get_model(app_label, model_name)
        uid = f"portal-page-cache-{app_label}.{model_name}"
        post_save.connect(data_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"{uid}-delete")
    organization = apps.get_model("registry", "Organization")
    m2m_changed.connect(
        _relation_changed, sender=organization.activity_fields.through, dispatch_uid="portal-page-cache-activity-fields"
    )
    organizations_saved_in_bulk.connect(data_changed, dispatch_uid="portal-page-cache-organizations-bulk")
    # The directory page's own title and text, the pages the navigation links to, and what Wagtail
    # routes with (sites, the page tree, view restrictions), kept in portal/site_cache.py under the
    # same version: a copy served before Wagtail's routing must not outlive a page made private.
    page_published.connect(data_changed, dispatch_uid="portal-page-cache-page-published")
    page_unpublished.connect(data_changed, dispatch_uid="portal-page-cache-page-unpublished")
    post_page_move.connect(data_changed, dispatch_uid="portal-page-cache-page-moved")
    for model in [Site, PageViewRestriction, *get_page_models()]:
        uid = f"portal-page-cache-{model._meta.label}"
        post_save.connect(data_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(data_changed, sender=model, dispatch_uid=f"{uid}-delete")


def _may_use_cache(request: HttpRequest) -> bool:
    return (
        timeout() > 0
        and request.method in ("GET", "HEAD")
        and not getattr(request, "is_preview", False)
        and not request.user.is_authenticated
        and not _has_messages(request)
    )


def _has_messages(request: HttpRequest) -> bool:
    # len() reads the stored messages without marking them shown.
    return len(get_messages(request)) > 0


def _may_store(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not (session is not None and session.modified)
        and not _has_messages(request)
        and get_max_age(response) != 0
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def cache_key(request: HttpRequest) -> str:
    url = request.build_absolute_uri()
    text_size = "large" if request.COOKIES.get("text_size") == "large" else "normal"
    parts = [str(current_version()), translation.get_language() or "", text_size, timezone.localdate().isoformat()]
    digest = hashlib.sha256(url.encode()).hexdigest()
    return f"{KEY_PREFIX}:{':'.join(parts)}:{digest}"


def _stored(response: HttpResponse) -> dict:
    return {
        "content": _CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content),
        "content_type": response["Content-Type"],
    }


def _served(request: HttpRequest, stored: dict) -> HttpResponse:
    content = stored["content"]
    if CSRF_PLACEHOLDER in content:
        # get_token also has the CSRF middleware (re)set this visitor's cookie, as a render would.
        content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content, content_type=stored["content_type"])
    for name, value in stored.get("headers", {}).items():
        response[name] = value
    return response


def cache_for_anonymous(view: Callable) -> Callable:
    """Decorate a page's route method (`def view(self, request, ...)`) to serve anonymous visitors
    from the page cache."""

    @wraps(view)
    def wrapper(page, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _may_use_cache(request):
            return view(page, request, *args, **kwargs)
        # The key, and so the version, is read before the view reads any row: a write during the
        # render bumps the version past it, and this copy is never read.
        key = cache_key(request)
        stored = cache.get(key)
        if stored is not None:
            response = _served(request, stored)
            response[HEADER] = "hit"
            return response
        response = view(page, request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        if _may_store(request, response):
            if hasattr(request, PENDING):
                setattr(request, PENDING, (key, _stored(response)))  # PageCacheMiddleware stores it
            else:
                cache.set(key, _stored(response), timeout())
        response[HEADER] = "miss"
        return response

    return wrapper


PENDING = "_page_cache_pending"
# Headers not kept with a copy: the response served from it sets these itself.
_NOT_KEPT = {"content-length", "content-type", HEADER.lower()}


class PageCacheMiddleware:
    """Serves the copies early (see the module's docstring). Placed after LocaleMiddleware, which
    chooses the language (part of the key), and CsrfViewMiddleware, which sets the cookie that
    goes with the visitor's token in the copy; before AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _may_serve_early(request):
            stored = cache.get(cache_key(request))
            if stored is not None and "headers" in stored:  # a copy stored on the way out of here
                response = _served(request, stored)
                # What SessionMiddleware adds when the page reads request.user: the copy depends
                # on cookies (text size), so shared caches must not mix visitors' copies.
                patch_vary_headers(response, ("Cookie",))
                response[HEADER] = "hit"
                return response
        setattr(request, PENDING, None)
        response = self.get_response(request)
        if (pending := getattr(request, PENDING)) is not None and response.status_code == 200 and not response.cookies:
            key, stored = pending
            stored["headers"] = {name: value for name, value in response.items() if name.lower() not in _NOT_KEPT}
            cache.set(key, stored, timeout())
        return response


def _may_serve_early(request: HttpRequest) -> bool:
    """Without a session there is no login and no message kept in it; without the messages cookie,
    no message kept there either."""
    return (
        timeout() > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )
