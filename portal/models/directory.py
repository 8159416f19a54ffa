"""The directory: one routable page over the registry's organizations (not a page per
organization). /directory/ searches and filters; /directory/<credit code or filing number>/ is
an organization's public page."""

from django.core.paginator import Paginator
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.models import Page

from evaluation.selectors.directory import grade_history, is_purchase_eligible
from federation.selectors import federation_of_street
from registry.selectors.credit import listings_for_organization, penalties_for_organization
from registry.selectors.directory import DirectorySearch
from registry.selectors.public import (
    display_fields,
    public_annual_results,
    public_changes,
    public_organization,
    public_record,
)

from .. import site_cache
from ..forms import DirectoryForm
from ..page_cache import cache_for_anonymous
from ..security.rate_limits import rate_limited
from ..site_cache import CachedViewRestrictions

PAGE_SIZE = 20
# What a result row shows (portal/directory/index.html): the rest of an organization (its search
# document, its encrypted personal data) is neither read nor sorted with the rows.
RESULT_FIELDS = ["name", "uscc", "filing_number", "kind", "status", "street__name", "community__name"]


class DirectoryPage(CachedViewRestrictions, RoutablePageMixin, Page):
    parent_page_types = ["portal.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = _("社会组织名录")

    @path("")
    @rate_limited("directory_search")
    @cache_for_anonymous
    def directory(self, request):
        form = DirectoryForm(request.GET)
        filters = form.filters()
        search = DirectorySearch(filters)
        if filters.narrows():
            facets, count = search.facets, search.count
        else:
            # The whole directory's counts are the same for every visitor until an organization
            # changes, which bumps the site cache's version: counted once, not on every request.
            facets, count = site_cache.cached(
                f"directory:all:{get_language()}", lambda: (search.facets, search.results.count())
            )
        paginator = Paginator(search.results.only(*RESULT_FIELDS), PAGE_SIZE)
        if count is not None:
            paginator.count = count  # known already: no COUNT query
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return TemplateResponse(
            request,
            "portal/directory/index.html",
            {
                "page": self,
                "form": form,
                "filters": filters,
                "facets": _facets_for_template(form, facets, filters),
                "results": page,
                "paginator": paginator,
                # A broad search (DirectorySearch): its facets count over the results only, or,
                # above the limit, not at all.
                "broad": search.broad,
                "more_than": search.count if search.more else None,
                "query_without_page": query.urlencode(),
            },
        )

    @re_path(r"^(?P<identifier>[^/]+)/$")
    @cache_for_anonymous
    def organization(self, request, identifier):
        organization = public_organization(identifier)
        if organization is None:
            raise Http404
        record = public_record(organization)
        grade, other_grades = grade_history(organization, timezone.localdate())
        return TemplateResponse(
            request,
            "portal/directory/organization.html",
            {
                "page": self,
                "organization": organization,
                "record": record,
                "fields": display_fields(record),
                "federation": federation_of_street(organization.street),
                "changes": public_changes(organization)[:100],
                "annual_results": public_annual_results(organization),
                "credit_listings": listings_for_organization(organization),
                "penalties": penalties_for_organization(organization),
                "grade": grade,
                "purchase_eligible": is_purchase_eligible(grade),
                "other_grades": other_grades,
            },
        )


def _facets_for_template(form, counts, filters):
    """[(name, label, [(value, label, count, checked)])] in the form's order."""
    return [
        (
            name,
            form.fields[name].label,
            [(value, label, count, value in _chosen(filters, name)) for value, label, count in counts[name]],
        )
        for name in counts
    ]


def _chosen(filters, name: str) -> list[str]:
    """The values chosen for a facet, whether the registry's own or another app's."""
    return filters.extra[name] if name in filters.extra else getattr(filters, name, [])
