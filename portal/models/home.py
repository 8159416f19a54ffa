"""Wagtail pages of the public site. Pages hold content; organizations are registry models."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from federation.selectors import public_federations
from registry.enums import OrganizationKind
from registry.selectors.organizations import count_by_kind, public_organizations
from registry.selectors.units import streets

from ..site_cache import CachedChildRoutes, CachedViewRestrictions
from .content import NewsArticlePage
from .directory import DirectoryPage


class HomePage(CachedChildRoutes, CachedViewRestrictions, Page):
    """The site's root: the district's figures and an introduction."""

    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "portal.DirectoryPage",
        "portal.StatisticsPage",
        "portal.NewsIndexPage",
        "portal.PolicyIndexPage",
        "portal.GuideIndexPage",
        "portal.AccessibilityStatementPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        by_kind = count_by_kind(public_organizations())
        context["figures"] = [
            (OrganizationKind.SOCIAL_GROUP.label, by_kind[OrganizationKind.SOCIAL_GROUP]),
            (OrganizationKind.SERVICE_INSTITUTION.label, by_kind[OrganizationKind.SERVICE_INSTITUTION]),
            (_("备案社区社会组织"), by_kind[OrganizationKind.COMMUNITY_GROUP]),
            (_("街道联合会"), public_federations().count()),
            (pgettext_lazy("how many", "街道"), streets().count()),
        ]
        context["latest_news"] = (
            NewsArticlePage.objects.live().public().order_by("-date", "-pk").only("title", "url_path", "date")[:5]
        )
        context["directory"] = DirectoryPage.objects.live().first()
        return context
