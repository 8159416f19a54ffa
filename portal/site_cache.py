"""What Wagtail looks up in the database on every request to a page, kept between requests: the
Site of a host with its root page, the root's children (routing and the navigation), the bureau
settings, and which pages carry view restrictions. Before this, they were 8 of the organization
page's 17 queries (docs/performance.md). The whole directory's facet counts are kept here too
(portal/models/directory.py): the same for every visitor, they change only with the data.

These change only when an editor saves, publishes, moves or deletes a page, or edits a site, a
privacy setting or the bureau settings; each of those bumps the page cache's version
(portal/page_cache.py), and the copies here are kept under that version, so a change is seen by
the next request (on every app server when they share the cache: REDIS_URL). They also expire
after SITE_CACHE_TIMEOUT seconds; 0 turns them off (the test settings: a test's rolled-back pages
must not outlive it in the cache)."""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.views import serve

from . import page_cache

KEY_PREFIX = "portal:site-cache"


def enabled() -> bool:
    return settings.SITE_CACHE_TIMEOUT > 0


def cached(name: str, compute: Callable):
    """`compute()`, kept under the current version. The version is read before `compute` reads
    anything: a write meanwhile bumps it past the copy, which is then never read."""
    if not enabled():
        return compute()
    key = f"{KEY_PREFIX}:{page_cache.current_version()}:{name}"
    kept = cache.get(key)
    if kept is None:
        kept = (compute(),)  # in a tuple, so that a None result is kept too
        cache.set(key, kept, settings.SITE_CACHE_TIMEOUT)
    return kept[0]


def site_for_request(request) -> Site | None:
    """`Site.find_for_request`, with the site's root page in its specific form loaded once."""

    def find():
        site = Site._find_for_request(request)
        if site is not None:
            site.root_page.specific  # noqa: B018 (loaded here, so that it is kept with the site)
        return site

    return cached(f"site:{request.get_host()}:{request.get_port()}", find)


def children_of(page: Page) -> dict[str, Page]:
    """The page's children (live or not, as Wagtail routes to both) in their specific form, by slug."""
    return cached(f"children:{page.pk}", lambda: {child.slug: child for child in page.get_children().specific()})


def restricted_paths() -> frozenset[str]:
    """Tree paths of the pages that carry a view restriction, and of the aliases of those pages:
    a page is restricted only if one of them is its own path or an ancestor's (a prefix of it)."""

    def find():
        restricted = PageViewRestriction.objects.values("page_id")
        pages = Page.objects.filter(pk__in=restricted) | Page.objects.filter(alias_of__in=restricted)
        return frozenset(pages.values_list("path", flat=True))

    return cached("restricted-paths", find)


class SiteCacheMiddleware:
    """Gives Wagtail's page view the request's site from the cache (Wagtail keeps it in
    `request._wagtail_site` and looks no further). Only for that view: others that need the
    site find it themselves, and the cheapest requests (/healthz) read no cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is serve and enabled():
            request._wagtail_site = site_for_request(request)


class CachedChildRoutes:
    """For a page model: routes to its children from the cache (Page.route takes two queries)."""

    def route(self, request, path_components):
        if not path_components or not enabled():
            return super().route(request, path_components)
        child = children_of(self).get(path_components[0])
        if child is None:
            raise Http404
        child._cached_parent_obj = self  # as Page.route: get_parent() without a query
        return child.route(request, path_components[1:])


class CachedViewRestrictions:
    """For a page model: no query for view restrictions when none applies (Wagtail checks them
    before serving the page, in two queries)."""

    def get_view_restrictions(self):
        if enabled() and not any(self.path.startswith(path) for path in restricted_paths()):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
