"""The page cache of the public directory and organization pages (portal/page_cache.py), on the
local-memory cache of the default settings: anonymous visitors share copies per URL, logged-in
users never do, and a change to an organization drops every copy."""

import re
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, RequestFactory
from redis import Redis
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from portal import page_cache
from portal.models import BureauSettings, HomePage
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
