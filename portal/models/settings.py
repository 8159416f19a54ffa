"""Site-wide settings edited in the admin (设置 → 民政局信息与页脚): the bureau's contacts and the footer
links, and the site's navigation computed from the page tree, both read by base.html on every page."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page

from portal.blocks import FooterLinkBlock
from portal.site_cache import cached, children_of

from .content import AccessibilityStatementPage, GuideIndexPage, NewsIndexPage, PolicyIndexPage


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool = False


# The main navigation in reading order. A page type is linked when a live page of that type sits
# under the site's root; a slug is linked to that child page if it exists, else to the fixed path
# (the directory, statistics and verification are built by other parts of the portal).
NAVIGATION = (
    (_("组织名录"), "directory"),
    (_("新闻动态"), NewsIndexPage),
    (_("政策法规"), PolicyIndexPage),
    (_("办事指南"), GuideIndexPage),
    (_("统计数据"), "statistics"),
    (_("评估公示"), "evaluation/notices"),
    (_("公益创投"), "venture"),
    (_("证书查验"), "verify"),
)


@dataclass(frozen=True)
class SiteLinks:
    navigation: list[NavItem]
    accessibility_url: str


def site_links(root: Page, request) -> SiteLinks:
    """The main navigation and the accessibility statement's address for the site whose root is
    `root`, from the root's live children (portal/site_cache.py: no query once they are cached)."""
    children = [child for child in children_of(root).values() if child.live]
    by_slug = {child.slug: child for child in children}
    by_type = {child.content_type_id: child for child in children}
    path = request.path if request is not None else ""

    def url_of(page: Page) -> str:
        return page.get_url(request) or ""

    def type_url(model) -> str:
        page = by_type.get(ContentType.objects.get_for_model(model).pk)
        return url_of(page) if page else ""

    home_url = url_of(root) or "/"
    items = [NavItem(str(_("首页")), home_url, path == home_url)]
    for label, target in NAVIGATION:
        if isinstance(target, str):
            url = url_of(by_slug[target]) if target in by_slug else f"/{target}/"
        else:
            url = type_url(target)
        if url:
            items.append(NavItem(str(label), url, path.startswith(url)))
    return SiteLinks(navigation=items, accessibility_url=type_url(AccessibilityStatementPage))


@register_setting(icon="site")
class BureauSettings(BaseSiteSetting):
    """The bureau's public contacts, shown in every page's footer."""

    bureau_name = models.CharField(_("单位名称"), max_length=100, default="青岛市市南区民政局")
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    postcode = models.CharField(_("邮政编码"), max_length=6, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    office_hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    record_number = models.CharField(_("网站备案号"), max_length=60, blank=True, help_text=_("例如：鲁ICP备…号"))
    footer_links = StreamField([("link", FooterLinkBlock())], verbose_name=_("页脚链接"), blank=True)

    select_related = ["site__root_page"]
    panels = [
        FieldPanel("bureau_name"),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldPanel("postcode"),
                FieldPanel("phone"),
                FieldPanel("email"),
                FieldPanel("office_hours"),
            ],
            heading=_("联系方式"),
        ),
        FieldPanel("footer_links"),
        FieldPanel("record_number"),
    ]

    class Meta:
        verbose_name = _("民政局信息与页脚")
        verbose_name_plural = _("民政局信息与页脚")

    @classmethod
    def for_site(cls, site):
        """The site's settings, kept in the site cache: base.html reads them on every page."""
        return cached(f"bureau-settings:{site.pk}", lambda: super(BureauSettings, cls).for_site(site))

    @cached_property
    def links(self) -> SiteLinks:
        """Navigation for the request these settings were fetched for (`for_request` sets it)."""
        return site_links(self.site.root_page, getattr(self, "_request", None))
