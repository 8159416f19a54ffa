"""Password rules, session length and headers: what the settings promise, checked on real requests."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APPS = ["portal", "registry", "federation", "evaluation"]


def signup(client, password):
    return client.post("/account/signup/", {"email": "new@example.com", "password1": password, "password2": password})


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Qd-2026-ab", None),  # ten characters, nothing else wrong: accepted
        ("Qd-2026-a", "密码长度太短。密码必须包含至少 10 个字符。"),
        ("2026202620", "密码只包含数字。"),
        ("password123", "这个密码太常见了。"),
    ],
)
def test_signup_refuses_a_weak_password_with_the_chinese_message(client, tree, password, message):
    response = signup(client, password)
    if message is None:
        assert get_user_model().objects.filter(username="new@example.com").exists()
    else:
        assert response.status_code == 200
        assert message in response.context["form"].errors["password1"]
        assert message in response.content.decode()
        assert not get_user_model().objects.filter(username="new@example.com").exists()


def test_a_session_lasts_eight_hours(client):
    user = UserFactory(username="someone@example.com")
    user.set_password("Qingdao-shinan-2026")
    user.save()
    client.post("/account/login/", {"username": user.username, "password": "Qingdao-shinan-2026"})
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 60 * 60


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def test_public_pages_allow_scripts_from_our_own_files_only(client, db):
    policy = directives(client.get("/verify/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]


def test_the_admin_gets_its_own_allowance_for_inline_scripts(client, db):
    policy = directives(client.get("/admin/login/"))
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["object-src"] == ["'none'"]


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"=\s*[\"']\s*javascript:", re.IGNORECASE)


def test_no_template_of_ours_has_inline_script_an_event_handler_or_a_javascript_url():
    """The public pages' policy refuses them: scripts belong in static files."""
    found = []
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("templates/**/*.html"):
            text = path.read_text(encoding="utf-8")
            for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JAVASCRIPT_URL):
                found += [f"{path}: {match.group(0)[:80]}" for match in pattern.finditer(text)]
    assert not found, "\n".join(found)
