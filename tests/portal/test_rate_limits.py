"""Rate limits per client address on the directory search and the public API: beyond the rate a
429 with Retry-After and a Chinese message; other addresses unaffected; off by a setting."""

import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import RequestFactory
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from portal.models import HomePage
from portal.security.client_ip import client_ip
from portal.security.rate_limits import KEY_PREFIX, Rate, parse_rate
from portal.site_structure import ensure_site_pages

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.99"


@pytest.fixture
def limits(settings):
    """Low rates, and no count left from an earlier test or run: the counters live in the shared
    cache (Redis in CI)."""
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {"directory_search": "3/m", "api": "2/m"}
    minute = int(time.time() // 60)
    cache.delete_many(
        [
            f"{KEY_PREFIX}:{scope}:{address}:{window}"
            for scope in settings.RATE_LIMITS
            for address in (ADDRESS, OTHER_ADDRESS)
            for window in (minute, minute + 1)
        ]
    )
    return settings.RATE_LIMITS


@pytest.fixture
def site(db):
    """The directory page (made here when the data migrations did not run, as with --nomigrations)."""
    if not HomePage.objects.exists():
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(django_settings.LANGUAGE_CODE)
        )
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        home = root.add_child(instance=HomePage(title="市南区社会组织门户", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
        )
    return ensure_site_pages()


def test_the_directory_search_answers_429_with_a_chinese_page_beyond_the_rate(client, site, limits):
    for query in ["养老", "志愿者", "湛山"]:
        assert client.get("/directory/", {"q": query}, REMOTE_ADDR=ADDRESS).status_code == 200
    response = client.get("/directory/", {"q": "再来"}, REMOTE_ADDR=ADDRESS)
    page = response.content.decode()
    assert response.status_code == 429
    assert "访问过于频繁" in page and "秒后再试" in page
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another address is counted apart.
    assert client.get("/directory/", {"q": "养老"}, REMOTE_ADDR=OTHER_ADDRESS).status_code == 200


def test_the_api_answers_429_with_a_chinese_detail_beyond_the_rate(client, limits):
    for _ in range(2):
        assert client.get("/api/v1/statistics", REMOTE_ADDR=ADDRESS).status_code == 200
    response = client.get("/api/v1/organizations", REMOTE_ADDR=ADDRESS)
    assert response.status_code == 429
    assert response.json() == {"detail": "请求过于频繁，请稍后再试。"}
    assert 1 <= int(response["Retry-After"]) <= 60
    assert client.get("/api/v1/statistics", REMOTE_ADDR=OTHER_ADDRESS).status_code == 200


def test_limits_turn_off_by_setting(client, site, limits, settings):
    settings.RATE_LIMITS_ENABLED = False
    for _ in range(5):
        assert client.get("/directory/", REMOTE_ADDR=ADDRESS).status_code == 200
        assert client.get("/api/v1/statistics", REMOTE_ADDR=ADDRESS).status_code == 200


def test_the_default_rates_are_generous():
    assert parse_rate(django_settings.RATE_LIMITS["directory_search"]) == Rate(60, 60)
    assert parse_rate(django_settings.RATE_LIMITS["api"]) == Rate(120, 60)
    assert parse_rate("100/5m") == Rate(100, 300)
    with pytest.raises(ValueError):
        parse_rate("lots")


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.5"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # what the client wrote before it is not believed
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.5")) == "10.0.0.5"
