"""The page cache of the public directory and organization pages (portal/page_cache.py), on the
local-memory cache of the default settings: anonymous visitors share copies per URL, logged-in
users never do, and a change to an organization drops every copy. With it, the site cache
(portal/site_cache.py), on as in production: Wagtail's site, page tree, settings and view
restrictions kept between requests, and dropped by the same writes."""

import re
import uuid
from importlib import import_module
from unittest import mock
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from redis import Redis
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, PageViewRestriction, Site

from portal import page_cache
from portal.models import BureauSettings, HomePage, NewsIndexPage
from portal.site_structure import ensure_site_pages
from registry.services.organizations import update_organization
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    """The test settings render every page afresh; these tests turn the cache on, each under a key
    prefix of its own (so from empty), removed afterwards. Never `cache.clear()`: with REDIS_URL
    set that would empty the whole Redis database."""
    settings.PAGE_CACHE_TIMEOUT = 300
    settings.SITE_CACHE_TIMEOUT = 300
    prefix = f"portal-test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": prefix}}
    yield
    if settings.REDIS_URL:
        connection = Redis.from_url(settings.REDIS_URL)
        for key in connection.scan_iter(f"{prefix}:*"):
            connection.delete(key)
    else:
        cache.clear()  # local memory, of this process only


@pytest.fixture
def site(db):
    """The directory page (without migrations the home page and site are made here first)."""
    if not HomePage.objects.exists():
        Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        home = root.add_child(instance=HomePage(title="市南区社会组织门户", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
        )
    pages = ensure_site_pages()
    BureauSettings.for_site(Site.objects.get(is_default_site=True))  # made on first use otherwise
    return pages


@pytest.fixture
def organizations(tree, site):
    return [
        create_org(street=tree.zhanshan, name="湛山养老服务协会"),
        create_org(street=tree.badaguan, name="八大关书画协会"),
    ]


def page_of(organization) -> str:
    return f"/directory/{quote(organization.identifier)}/"


def without_tokens(content: bytes) -> str:
    return TOKEN.sub('name="csrfmiddlewaretoken" value=""', content.decode())


def test_second_anonymous_request_is_a_hit_with_the_same_page(client, organizations):
    url = page_of(organizations[0])
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert "湛山养老服务协会" in second.content.decode()
    assert without_tokens(second.content) == without_tokens(first.content)
    assert second["Content-Type"] == first["Content-Type"]


def test_directory_is_cached_too_and_head_shares_the_copy(client, organizations):
    assert client.get("/directory/")["X-Page-Cache"] == "miss"
    hit = client.get("/directory/")
    assert hit["X-Page-Cache"] == "hit"
    assert "湛山养老服务协会" in hit.content.decode() and "八大关书画协会" in hit.content.decode()
    assert client.head("/directory/")["X-Page-Cache"] == "hit"


def test_each_visitor_gets_a_csrf_token_of_their_own_cookie_from_the_cached_copy(organizations):
    url = page_of(organizations[0])
    Client().get(url)  # stored by someone else
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get(url)
    assert response["X-Page-Cache"] == "hit"
    tokens = TOKEN.findall(response.content.decode())
    assert len(tokens) == 2  # the text-size and language forms of the header
    cookie = visitor.cookies[settings.CSRF_COOKIE_NAME].value
    assert all(_unmask_cipher_token(token) == cookie for token in tokens)
    # The forms work: switching the language with the token of the cached page is accepted.
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": url, "csrfmiddlewaretoken": tokens[1]})
    assert switched.status_code == 302


def test_logged_in_users_are_never_served_from_nor_stored_in_the_cache(client, organizations):
    url = page_of(organizations[0])
    Client().get(url)
    assert Client().get(url)["X-Page-Cache"] == "hit"
    client.force_login(UserFactory())
    for _ in range(2):
        response = client.get(url)
        assert "X-Page-Cache" not in response
        assert "我的组织" in response.content.decode()  # the logged-in header, not the visitor's copy


def test_a_name_change_drops_the_copies_and_the_next_visitor_sees_the_new_name(client, organizations):
    organization = organizations[0]
    for url in (page_of(organization), "/directory/"):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    update_organization(organization=organization, actor=None, data={"name": "湛山颐养服务协会"}, source="测试")
    page = client.get(page_of(organization))
    assert page["X-Page-Cache"] == "miss"
    assert re.search(r"<h1[^>]*>\s*湛山颐养服务协会", page.content.decode())
    directory = client.get("/directory/")
    assert directory["X-Page-Cache"] == "miss"
    assert "湛山颐养服务协会" in directory.content.decode()
    assert "湛山养老服务协会" not in directory.content.decode()
    assert client.get("/directory/")["X-Page-Cache"] == "hit"


def test_the_query_string_is_part_of_the_key(client, organizations):
    zhanshan = client.get("/directory/", {"q": "湛山"})
    badaguan = client.get("/directory/", {"q": "八大关"})
    assert zhanshan["X-Page-Cache"] == badaguan["X-Page-Cache"] == "miss"
    assert "湛山养老服务协会" in zhanshan.content.decode()
    assert "湛山养老服务协会" not in badaguan.content.decode()
    again = client.get("/directory/", {"q": "湛山"})
    assert again["X-Page-Cache"] == "hit"
    assert "湛山养老服务协会" in again.content.decode()
    assert "八大关书画协会" not in again.content.decode()


def test_languages_and_text_sizes_have_copies_of_their_own(client, organizations):
    client.get("/directory/")
    english = client.get("/en/directory/")
    assert english["X-Page-Cache"] == "miss"
    assert 'lang="en"' in english.content.decode()
    client.cookies["text_size"] = "large"
    large = client.get("/directory/")
    assert large["X-Page-Cache"] == "miss"
    assert 'class="text-large"' in large.content.decode()


def test_unknown_organizations_are_not_kept(client, organizations):
    for _ in range(2):
        response = client.get("/directory/51370202MA00000000/")
        assert response.status_code == 404
        assert response.get("X-Page-Cache") != "hit"


def test_a_zero_timeout_turns_the_cache_off(client, organizations, settings):
    settings.PAGE_CACHE_TIMEOUT = 0
    client.get("/directory/")
    assert "X-Page-Cache" not in client.get("/directory/")


def test_writes_bump_the_version_at_once_and_again_after_the_commit(organizations, django_capture_on_commit_callbacks):
    before = page_cache.current_version()
    with django_capture_on_commit_callbacks(execute=True):
        organizations[1].activity_fields.clear()  # any shown data: here the m2m of activity fields
        during = page_cache.current_version()
    assert before < during < page_cache.current_version()


# --- Served early, by PageCacheMiddleware --------------------------------------------------------------


def test_a_visitor_without_a_session_is_served_before_any_query(client, organizations):
    url = page_of(organizations[0])
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        hit = client.get(url)
    assert hit["X-Page-Cache"] == "hit"
    assert len(queries) == 0  # no session, no user, no Wagtail routing
    assert without_tokens(hit.content) == without_tokens(first.content)
    # The headers of the layers it skipped, and what the copy varies on.
    assert hit["X-Frame-Options"] == first["X-Frame-Options"] == "DENY"
    assert "Cookie" in hit["Vary"]


def test_a_visitor_with_a_session_goes_through_the_decorator_and_still_gets_the_copy(client, organizations):
    url = page_of(organizations[0])
    Client().get(url)
    visitor = Client()
    store = import_module(settings.SESSION_ENGINE).SessionStore  # the database's, or Redis's in CI
    session = store()
    session["seen"] = True
    session.save()
    visitor.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    with mock.patch.object(store, "load", autospec=True, side_effect=store.load) as load:
        response = visitor.get(url)
    assert response["X-Page-Cache"] == "hit"
    load.assert_called()  # the session was read to know the visitor is not logged in


def test_a_logged_in_user_is_never_served_the_early_copy(client, organizations):
    url = page_of(organizations[0])
    Client().get(url)
    assert Client().get(url)["X-Page-Cache"] == "hit"
    client.force_login(UserFactory())
    response = client.get(url)
    assert "X-Page-Cache" not in response
    assert "我的组织" in response.content.decode() and "/account/login/" not in response.content.decode()


def test_each_language_has_its_early_copy(client, organizations):
    url = page_of(organizations[0])
    for _ in range(2):
        chinese, english = client.get(url), client.get(f"/en{url}")
    assert chinese["X-Page-Cache"] == english["X-Page-Cache"] == "hit"
    assert 'lang="zh-hans"' in chinese.content.decode()
    assert 'lang="en"' in english.content.decode()
    # The language cookie does not choose an unprefixed page's language (the address does).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert 'lang="zh-hans"' in client.get(url).content.decode()


def test_an_organization_change_drops_the_early_copy(client, organizations):
    organization = organizations[0]
    client.get(page_of(organization))
    assert client.get(page_of(organization))["X-Page-Cache"] == "hit"
    update_organization(organization=organization, actor=None, data={"name": "湛山颐养服务协会"}, source="测试")
    for expected in ("miss", "hit"):
        page = client.get(page_of(organization))
        assert page["X-Page-Cache"] == expected
        assert "湛山颐养服务协会" in page.content.decode()


def test_a_page_made_private_is_no_longer_served_from_a_copy(client, organizations, site):
    url = page_of(organizations[0])
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    PageViewRestriction.objects.create(page=site["directory"], restriction_type=PageViewRestriction.LOGIN)
    response = client.get(url)
    assert response.status_code == 302 and "X-Page-Cache" not in response
    assert "湛山养老服务协会" not in response.content.decode()


# --- The site cache --------------------------------------------------------------------------------------


def test_an_organization_page_takes_fewer_than_ten_queries_with_the_site_cache(client, organizations, settings):
    settings.PAGE_CACHE_TIMEOUT = 0
    url = page_of(organizations[0])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert "湛山养老服务协会" in response.content.decode()
    assert len(queries) < 10


def test_a_published_page_and_new_settings_show_on_the_next_render(client, organizations, settings):
    settings.PAGE_CACHE_TIMEOUT = 0
    url = page_of(organizations[0])
    before = client.get(url).content.decode()
    assert "新闻动态" not in before
    HomePage.objects.get().add_child(instance=NewsIndexPage(title="新闻动态", slug="news"))
    bureau = BureauSettings.for_site(Site.objects.get(is_default_site=True))
    bureau.phone = "0532-80000000"
    bureau.save()
    after = client.get(url).content.decode()
    assert 'href="/news/">新闻动态' in after
    assert "0532-80000000" in after
    assert client.get("/news/").status_code == 200  # routed to through the cached page tree


def test_unknown_and_unpublished_pages_are_still_not_found(client, organizations):
    assert client.get("/no-such-page/").status_code == 404
    news = HomePage.objects.get().add_child(instance=NewsIndexPage(title="新闻动态", slug="news"))
    assert client.get("/news/").status_code == 200
    news.unpublish()
    assert client.get("/news/").status_code == 404


# --- The decorator's rules, on a bare view -------------------------------------------------------------


class Stub:
    """A page whose route counts its renders and may set a cookie or a message."""

    def __init__(self):
        self.renders = 0

    @page_cache.cache_for_anonymous
    def view(self, request, *, cookie=False, message=False):
        self.renders += 1
        response = HttpResponse(f"render {self.renders}")
        if cookie:
            response.set_cookie("flavour", "plain")
        if message:
            request._messages.add(message_levels.INFO, "已保存")
        return response


def visitor_request(method="get", path="/directory/?page=2", **extra):
    request = getattr(RequestFactory(), method)(path, **extra)
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize("options", [{"cookie": True}, {"message": True}])
def test_responses_that_set_a_cookie_or_a_message_are_not_kept(options):
    page = Stub()
    page.view(visitor_request(), **options)
    assert page.view(visitor_request(), **options)["X-Page-Cache"] == "miss"
    assert page.renders == 2


def test_posts_and_requests_with_pending_messages_bypass_the_cache():
    page = Stub()
    page.view(visitor_request())
    assert page.view(visitor_request())["X-Page-Cache"] == "hit"
    assert "X-Page-Cache" not in page.view(visitor_request("post"))
    with_message = visitor_request()
    with_message._messages.add(message_levels.SUCCESS, "已提交")
    response = page.view(with_message)
    assert "X-Page-Cache" not in response
    assert response.content == b"render 3"


def street_count(html: str, street_name: str) -> int:
    """The count beside a street in the directory's filters."""
    return int(re.search(rf"{street_name}\s*<span class=\"count\">（(\d+)）", html).group(1))


def counts_organizations(sql: str) -> bool:
    return "COUNT(" in sql.upper() and 'FROM "registry_organization"' in sql


def test_the_whole_directorys_counts_are_kept_until_an_organization_changes(client, organizations, tree):
    """Logged-in users are never served a cached page, but the counts of the unfiltered directory
    (the same for everyone) are counted once and kept under the site cache's version."""
    client.force_login(UserFactory())
    first = client.get("/directory/").content.decode()
    assert street_count(first, "湛山街道") == 1
    with CaptureQueriesContext(connection) as kept:
        again = client.get("/directory/").content.decode()
    with CaptureQueriesContext(connection) as narrowed:
        client.get(f"/directory/?street={tree.zhanshan.code}")
    assert street_count(again, "湛山街道") == 1
    assert not any(counts_organizations(query["sql"]) for query in kept.captured_queries)
    assert any(counts_organizations(query["sql"]) for query in narrowed.captured_queries)  # counted afresh
    create_org(street=tree.zhanshan, name="湛山合唱团")
    after = client.get("/directory/").content.decode()
    assert street_count(after, "湛山街道") == 2
    assert "湛山合唱团" in after
