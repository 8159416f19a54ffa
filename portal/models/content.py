"""Content pages of the public site: news, policy documents, filing guides and the accessibility
statement. Each index sits directly under the home page, once; its entries sit under it only."""

from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from portal.blocks import ContentStreamBlock, MaterialBlock, StepBlock

PER_PAGE = 10
HOME = "portal.HomePage"


class ListingIndexPage(Page):
    """An index that lists its live children of one type, newest first, `PER_PAGE` at a time
    (`?page=N`; a missing or wrong number shows the nearest existing page, never an error)."""

    intro = RichTextField(_("导语"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = [HOME]
    max_count = 1
    listing_order: tuple[str, ...] = ("-pk",)

    class Meta:
        abstract = True

    def entries(self):
        """The live entries under this index (of its one subpage type), in listing order."""
        (model,) = type(self).clean_subpage_models()
        return model.objects.live().child_of(self).order_by(*self.listing_order)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["entries"] = Paginator(self.entries(), PER_PAGE).get_page(request.GET.get("page"))
        return context


class NewsIndexPage(ListingIndexPage):
    subpage_types = ["portal.NewsArticlePage"]
    listing_order = ("-date", "-pk")
    template = "portal/content/news_index_page.html"

    class Meta:
        verbose_name = _("新闻动态栏目")


class NewsArticlePage(Page):
    date = models.DateField(_("发布日期"), default=timezone.localdate)
    intro = models.TextField(_("摘要"), max_length=300, blank=True, help_text=_("列表中显示的一两句话"))
    body = StreamField(ContentStreamBlock(), verbose_name=_("正文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("date"), FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["portal.NewsIndexPage"]
    subpage_types: list[str] = []
    template = "portal/content/news_article_page.html"

    class Meta:
        verbose_name = _("新闻")
        verbose_name_plural = _("新闻")


class PolicyIndexPage(ListingIndexPage):
    subpage_types = ["portal.PolicyPage"]
    listing_order = ("-issued_on", "-pk")
    template = "portal/content/policy_index_page.html"

    class Meta:
        verbose_name = _("政策法规栏目")


class PolicyPage(Page):
    """A policy document as issued: its number and issuing body are what people cite it by."""

    document_number = models.CharField(
        _("发文字号"), max_length=60, blank=True, help_text=_("例如：青民字〔2025〕12号")
    )
    issuing_body = models.CharField(_("发文机关"), max_length=120)
    issued_on = models.DateField(_("成文日期"))
    summary = models.TextField(_("摘要"), max_length=300, blank=True)
    body = StreamField(ContentStreamBlock(), verbose_name=_("正文"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("document_number"), FieldPanel("issuing_body"), FieldPanel("issued_on")],
            heading=_("文件信息"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("document_number"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("issued_on"),
    ]
    parent_page_types = ["portal.PolicyIndexPage"]
    subpage_types: list[str] = []
    template = "portal/content/policy_page.html"

    class Meta:
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")


class GuideIndexPage(ListingIndexPage):
    subpage_types = ["portal.FilingGuidePage"]
    # Guides are read as a set, not as news: keep the editors' order from the page tree.
    listing_order = ("path",)
    template = "portal/content/guide_index_page.html"

    class Meta:
        verbose_name = _("办事指南栏目")


class FilingGuidePage(Page):
    """A filing guide (办事指南): who may apply, what to bring, the steps and how long it takes."""

    audience = models.TextField(_("适用对象"))
    legal_basis = models.TextField(_("设定依据"), blank=True)
    materials = StreamField([("material", MaterialBlock())], verbose_name=_("申请材料"), blank=True)
    steps = StreamField([("step", StepBlock())], verbose_name=_("办理流程"), blank=True)
    processing_time = models.CharField(_("办理时限"), max_length=120, help_text=_("例如：自受理之日起60日内"))
    fee = models.CharField(_("收费标准"), max_length=120, default="不收费")
    body = StreamField(ContentStreamBlock(), verbose_name=_("其他说明"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("audience"),
        FieldPanel("legal_basis"),
        FieldPanel("materials"),
        FieldPanel("steps"),
        MultiFieldPanel([FieldPanel("processing_time"), FieldPanel("fee")], heading=_("时限与收费")),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("audience"), index.SearchField("body")]
    parent_page_types = ["portal.GuideIndexPage"]
    subpage_types: list[str] = []
    template = "portal/content/filing_guide_page.html"

    class Meta:
        verbose_name = _("办事指南")
        verbose_name_plural = _("办事指南")


class AccessibilityStatementPage(Page):
    body = RichTextField(_("正文"))
    last_reviewed = models.DateField(_("最近评估日期"), null=True, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("body"), FieldPanel("last_reviewed")]
    parent_page_types = [HOME]
    subpage_types: list[str] = []
    max_count = 1
    template = "portal/content/accessibility_statement_page.html"

    class Meta:
        verbose_name = _("无障碍声明")
        verbose_name_plural = _("无障碍声明")
