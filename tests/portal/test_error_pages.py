"""The site's own error pages: a 404 in Chinese in the site's look, and a static 500 page that needs
neither a request nor the database."""

import pytest
from django.db import connection
from django.template import loader
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("address", ["/verify/keys/0123456789abcdef.pem", "/no-such-page/"])
def test_an_unknown_address_is_a_chinese_page_in_the_sites_look(client, address):
    response = client.get(address)
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert "Not Found" not in html
    assert 'class="site-header"' in html  # the portal's base template
    assert 'href="/verify/"' in html  # a way on


def test_the_500_page_is_static_chinese_html():
    with CaptureQueriesContext(connection) as queries:
        html = loader.get_template("500.html").render()
    assert len(queries) == 0
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert "服务器出错" in html and "Server Error" not in html
