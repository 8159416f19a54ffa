"""Content pages (news, policies, filing guides, accessibility statement), the site settings in the
footer, the navigation, the larger-text mode and the demo content."""

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import Page, Site

from portal.blocks import FooterLinkBlock
from portal.content_demo import create_demo_content
from portal.models import (
    AccessibilityStatementPage,
    BureauSettings,
    FilingGuidePage,
    GuideIndexPage,
    HomePage,
    NewsArticlePage,
    NewsIndexPage,
    PolicyIndexPage,
    PolicyPage,
)
from portal.models.content import PER_PAGE
from portal.views.text_size import MAX_AGE
from tests.factories import UserFactory

INDEXES = [NewsIndexPage, PolicyIndexPage, GuideIndexPage]
ENTRY_OF = {NewsIndexPage: NewsArticlePage, PolicyIndexPage: PolicyPage, GuideIndexPage: FilingGuidePage}


def add(parent: Page, page: Page, *, publish: bool = True) -> Page:
    """Add `page` under `parent` the way the admin does: a revision, published unless asked not to."""
    page.live = publish
    page = parent.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    parent.refresh_from_db()
    return page


@pytest.fixture
def home(db):
    return HomePage.objects.get()


@pytest.fixture
def news_index(home):
    return add(home, NewsIndexPage(title="新闻动态", slug="news", intro="<p>本区社会组织工作动态。</p>"))


@pytest.fixture
def policy_index(home):
    return add(home, PolicyIndexPage(title="政策法规", slug="policies"))


@pytest.fixture
def guide_index(home):
    return add(home, GuideIndexPage(title="办事指南", slug="guides"))


def article(index, number: int, **fields) -> NewsArticlePage:
    fields.setdefault("date", date(2026, 1, 1) + timedelta(days=number))
    return add(index, NewsArticlePage(title=f"新闻{number:02d}号", slug=f"news-{number:02d}", **fields))


def attachment_document(title="评估指标一览", size=2048):
    document = get_document_model()(title=title, file=ContentFile(b"x" * size, name="indicators.xlsx"), file_size=size)
    document.save()
    return document


# The page tree --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("model", [*INDEXES, AccessibilityStatementPage])
def test_each_section_page_sits_once_directly_under_the_home_page(home, model):
    assert model.can_exist_under(home)
    assert model.can_create_at(home)
    extra = {"body": "<p>声明</p>"} if model is AccessibilityStatementPage else {}
    add(home, model(title="栏目", slug="section", **extra))
    assert not model.can_create_at(home), "max_count is 1"
    root = Page.get_first_root_node()
    assert not model.can_exist_under(root)


@pytest.mark.django_db
def test_entries_live_only_under_their_own_index_and_have_no_children(home, news_index, policy_index, guide_index):
    indexes = {NewsIndexPage: news_index, PolicyIndexPage: policy_index, GuideIndexPage: guide_index}
    for index_model, entry_model in ENTRY_OF.items():
        assert entry_model.can_create_at(indexes[index_model])
        assert not entry_model.can_exist_under(home)
        for other_model, other in indexes.items():
            if other_model is not index_model:
                assert not entry_model.can_exist_under(other)
        assert entry_model.allowed_subpage_models() == []
        assert indexes[index_model].specific_class.allowed_subpage_models() == [entry_model]
    assert not NewsIndexPage.can_exist_under(policy_index)
    assert AccessibilityStatementPage.allowed_subpage_models() == []


# Rendering ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_news_article_renders_its_date_intro_and_body_blocks(client, news_index):
    page = article(
        news_index,
        1,
        intro="全区10个街道联合会负责人参会。",
        body=[
            {"type": "heading", "value": {"text": "2026年重点工作", "level": "h2"}},
            {"type": "paragraph", "value": "<p>发挥联合会<b>枢纽作用</b>。</p>"},
            {"type": "callout", "value": {"tone": "warning", "title": "工作提示", "text": "<p>4月15日前报送。</p>"}},
        ],
        date=date(2026, 3, 18),
    )
    html = client.get(page.url).content.decode()
    assert "<h1>新闻01号</h1>" in html
    assert '<time datetime="2026-03-18">2026年3月18日</time>' in html
    assert "全区10个街道联合会负责人参会。" in html
    assert '<h2 class="block-heading">2026年重点工作</h2>' in html
    assert "<b>枢纽作用</b>" in html
    assert 'class="callout callout--warning" role="note"' in html and "4月15日前报送。" in html
    assert 'href="/news/"' in html  # the breadcrumb and the way back


@pytest.mark.django_db
def test_policy_page_shows_its_number_issuer_table_and_attachment_with_size(client, policy_index):
    document = attachment_document()
    page = add(
        policy_index,
        PolicyPage(
            title="市南区社会组织评估管理办法",
            slug="evaluation-measures",
            document_number="市南民发〔2026〕3号",
            issuing_body="青岛市市南区民政局",
            issued_on=date(2026, 2, 20),
            body=[
                {
                    "type": "table",
                    "value": {
                        "data": [["等级", "得分"], ["5A", "高于190分"]],
                        "table_caption": "评估等级与得分",
                        "table_header_choice": "row",
                        "first_row_is_table_header": True,
                        "first_col_is_header": False,
                    },
                },
                {"type": "attachment", "value": {"document": document.pk, "label": ""}},
            ],
        ),
    )
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "市南民发〔2026〕3号" in html and "青岛市市南区民政局" in html and "2026年2月20日" in html
    assert "<caption>评估等级与得分</caption>" in html
    assert '<th scope="col"' in html and "高于190分" in html
    assert f'href="{document.url}"' in html
    assert (
        "附件：评估指标一览" in html and "XLSX" in html and "2.0\xa0KB" in html
    )  # filesizeformat keeps number and unit together


@pytest.mark.django_db
def test_filing_guide_lists_audience_materials_steps_and_time(client, guide_index):
    page = add(
        guide_index,
        FilingGuidePage(
            title="社区社会组织备案",
            slug="community-group-filing",
            audience="在本区社区内开展活动的社区社会组织",
            materials=[{"type": "material", "value": {"name": "备案申请表", "note": "一式两份"}}],
            steps=[
                {"type": "step", "value": {"title": "提交材料", "description": "向联合会提交"}},
                {"type": "step", "value": {"title": "街道审核", "description": ""}},
            ],
            processing_time="自受理之日起15个工作日内",
        ),
    )
    html = client.get(page.url).content.decode()
    assert "在本区社区内开展活动的社区社会组织" in html
    assert '<ol class="materials"><li>备案申请表<span class="material__note">（一式两份）</span></li>' in html
    assert html.index("提交材料") < html.index("街道审核")
    assert "自受理之日起15个工作日内" in html and "不收费" in html


@pytest.mark.django_db
def test_guide_and_policy_indexes_list_their_live_entries(client, guide_index, policy_index):
    add(guide_index, FilingGuidePage(title="社会团体成立登记", slug="a", audience="社会团体", processing_time="60日"))
    add(guide_index, FilingGuidePage(title="草稿指南", slug="b", audience="x", processing_time="1日"), publish=False)
    add(
        policy_index,
        PolicyPage(
            title="备案管理办法",
            slug="p",
            document_number="市南民发〔2025〕8号",
            issuing_body="区民政局",
            issued_on=date(2025, 6, 10),
        ),
    )
    guides = client.get(guide_index.url).content.decode()
    assert "社会团体成立登记" in guides and "草稿指南" not in guides
    policies = client.get(policy_index.url).content.decode()
    assert "备案管理办法" in policies and "市南民发〔2025〕8号" in policies


@pytest.mark.django_db
def test_accessibility_statement_renders_and_is_linked_from_every_footer(client, home, news_index):
    page = add(
        home,
        AccessibilityStatementPage(
            title="无障碍声明", slug="accessibility", body="<p>本网站以 WCAG 2.2 AA 级为目标。</p>"
        ),
    )
    assert "本网站以 WCAG 2.2 AA 级为目标。" in client.get(page.url).content.decode()
    for url in ("/", news_index.url):
        assert '<a href="/accessibility/">无障碍声明</a>' in client.get(url).content.decode()


# The news index: order, paging, queries -------------------------------------------------------


@pytest.mark.django_db
def test_news_index_lists_live_articles_newest_first_ten_a_page(client, news_index):
    for number in range(1, PER_PAGE + 3):  # 12 articles, dated 2 Jan … 13 Jan
        article(news_index, number)
    add(news_index, NewsArticlePage(title="未发布的新闻", slug="draft", date=date(2026, 12, 31)), publish=False)

    first = client.get(news_index.url).content.decode()
    assert "未发布的新闻" not in first
    assert first.index("新闻12号") < first.index("新闻11号") < first.index("新闻03号")
    assert "新闻02号" not in first and "新闻01号" not in first
    assert "第 1 / 2 页" in first and 'href="?page=2" rel="next"' in first

    second = client.get(news_index.url, {"page": 2}).content.decode()
    assert "新闻02号" in second and "新闻01号" in second and "新闻03号" not in second
    assert 'href="?page=1" rel="prev"' in second

    # A wrong page number shows the nearest page instead of failing.
    assert "新闻12号" in client.get(news_index.url, {"page": "abc"}).content.decode()
    assert "新闻01号" in client.get(news_index.url, {"page": 99}).content.decode()


@pytest.mark.django_db
def test_news_index_queries_do_not_grow_with_the_number_of_articles(client, news_index):
    article(news_index, 1)
    client.get(news_index.url)  # warm the caches (site root paths, content types)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(news_index.url).status_code == 200
        return len(captured)

    one = queries()
    article(news_index, 2)
    article(news_index, 3)
    assert queries() == one


# Navigation and the footer --------------------------------------------------------------------


@pytest.mark.django_db
def test_main_navigation_links_live_sections_and_the_fixed_pages(client, home, news_index, policy_index):
    add(home, GuideIndexPage(title="办事指南", slug="guides"), publish=False)
    html = client.get(policy_index.url).content.decode()
    nav = html[html.index('<nav class="main-nav"') : html.index("</nav>", html.index('<nav class="main-nav"'))]
    assert '<a href="/">首页</a>' in nav
    assert '<a href="/news/">新闻动态</a>' in nav
    assert '<a href="/policies/" aria-current="page">政策法规</a>' in nav
    assert "办事指南" not in nav  # a draft section is not linked
    for path, label in [("/directory/", "组织名录"), ("/statistics/", "统计数据"), ("/verify/", "证书查验")]:
        assert f'<a href="{path}">{label}</a>' in nav
    assert nav.index("组织名录") < nav.index("新闻动态") < nav.index("统计数据") < nav.index("证书查验")


@pytest.mark.django_db
def test_footer_shows_the_bureau_contacts_and_links_from_the_site_settings(client, home):
    settings = BureauSettings.for_site(Site.objects.get(is_default_site=True))
    settings.address = "青岛市市南区宁夏路286号"
    settings.phone = "0532-8000 2600"
    settings.email = "shzz@shinan-mzj.example"
    settings.office_hours = "工作日 9:00—17:00"
    settings.footer_links = [
        {"type": "link", "value": {"label": "民政部", "page": None, "url": "https://www.mca.gov.cn/"}}
    ]
    settings.save()

    html = client.get("/").content.decode()
    footer = html[html.index("<footer") :]
    assert "青岛市市南区民政局" in footer  # the default name
    assert "青岛市市南区宁夏路286号" in footer
    assert '<a href="tel:053280002600">0532-8000 2600</a>' in footer
    assert '<a href="mailto:shzz@shinan-mzj.example">' in footer
    assert "工作日 9:00—17:00" in footer
    assert '<a href="https://www.mca.gov.cn/">民政部</a>' in footer
    assert '<a href="/admin/">工作人员登录</a>' in footer


@pytest.mark.django_db
def test_page_keeps_landmarks_skip_link_and_language_switch(client, home):
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert "<header" in html and '<nav class="main-nav" aria-label="主导航">' in html and "<footer" in html
    assert 'action="/i18n/setlang/"' in html


@pytest.mark.parametrize(
    ("link", "valid"),
    [
        ({"label": "查验", "page": None, "url": "/verify/"}, True),
        ({"label": "民政部", "page": None, "url": "https://www.mca.gov.cn/"}, True),
        ({"label": "空", "page": None, "url": ""}, False),
        ({"label": "外站", "page": None, "url": "//evil.example/"}, False),
        ({"label": "脚本", "page": None, "url": "javascript:alert(1)"}, False),
    ],
)
def test_a_footer_link_needs_a_page_or_a_safe_address(link, valid):
    block = FooterLinkBlock()
    value = block.to_python(link)
    if valid:
        assert block.clean(value)["url"] == link["url"]
    else:
        with pytest.raises(ValidationError):
            block.clean(value)


@pytest.mark.django_db
def test_editors_can_open_the_settings_and_every_add_page_form(client, home, news_index, policy_index, guide_index):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    site = Site.objects.get(is_default_site=True)
    response = client.get(reverse("wagtailsettings:edit", args=["portal", "bureausettings", site.pk]))
    assert response.status_code == 200 and "页脚链接" in response.content.decode()
    parents = {NewsArticlePage: news_index, PolicyPage: policy_index, FilingGuidePage: guide_index}
    for model, parent in [*parents.items(), (AccessibilityStatementPage, home)]:
        url = reverse("wagtailadmin_pages:add", args=["portal", model._meta.model_name, parent.pk])
        assert client.get(url).status_code == 200, model


# The larger-text mode -------------------------------------------------------------------------


@pytest.mark.django_db
def test_text_size_view_sets_a_year_long_cookie_and_goes_back(client):
    response = client.post("/text-size/", {"size": "large", "next": "/news/?page=2"})
    assert response.status_code == 302 and response["Location"] == "/news/?page=2"
    cookie = response.cookies["text_size"]
    assert cookie.value == "large" and int(cookie["max-age"]) == MAX_AGE == 365 * 24 * 3600
    assert cookie["path"] == "/" and cookie["samesite"] == "Lax"

    response = client.post("/text-size/", {"size": "normal", "next": "/"})
    assert response.cookies["text_size"].value == "normal"


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)"])
def test_text_size_view_refuses_to_send_people_off_site(client, target):
    response = client.post("/text-size/", {"size": "large", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_text_size_view_ignores_unknown_sizes_and_get(client):
    response = client.post("/text-size/", {"size": "huge", "next": "/"})
    assert response.status_code == 302 and "text_size" not in response.cookies
    assert client.get("/text-size/").status_code == 405


@pytest.mark.django_db
def test_pages_render_large_text_when_the_cookie_says_so(client, home):
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html and 'aria-pressed="false"' in html
    assert '<input type="hidden" name="size" value="large">' in html

    client.cookies["text_size"] = "large"
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans" class="text-large">' in html and 'aria-pressed="true"' in html
    assert '<input type="hidden" name="size" value="normal">' in html
    assert "portal/text-size.js" in html


# Demo content ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_content_is_complete_published_and_idempotent(client, home):
    HomePage.objects.filter(pk=home.pk).update(intro="")
    out = io.StringIO()
    created = create_demo_content(stdout=out)
    count = Page.objects.count()
    assert created == count - 2 == 16  # the tree's root and the home page were there before
    assert "新建页面 16 个" in out.getvalue()
    assert NewsArticlePage.objects.live().count() == 5
    assert PolicyPage.objects.live().count() == 4
    assert FilingGuidePage.objects.live().count() == 3
    assert all(page.live_revision_id for page in Page.objects.filter(depth__gt=2))
    assert HomePage.objects.get().intro

    assert create_demo_content() == 0
    assert Page.objects.count() == count
    assert get_document_model().objects.count() == 2

    settings = BureauSettings.for_site(Site.objects.get(is_default_site=True))
    assert settings.bureau_name == "青岛市市南区民政局" and settings.phone and settings.address
    html = client.get("/policies/evaluation-measures/").content.decode()
    assert "市南民发〔2026〕3号" in html and "高于190分" in html and settings.address in html
