"""Login lockout (django-axes): five failed logins for one username from one address lock that
username there for 15 minutes, on the site's login and the admin's alike; success clears the count."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Qingdao-shinan-2026"
SITE_LOGIN = "/account/login/"
ADMIN_LOGIN = "/admin/login/"
LOCKED = "账号已暂时锁定"


@pytest.fixture
def user(db):
    user = UserFactory(username="applicant@example.com", email="applicant@example.com")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, username, password, *, url=SITE_LOGIN, address="192.0.2.10"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, username, times, **kwargs):
    return [log_in(client, username, "wrong-password", **kwargs) for _ in range(times)]


def logged_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id).username if user_id else None


def test_five_failures_lock_the_username_and_even_the_right_password_is_refused(client, user):
    responses = fail(client, user.username, 5)
    assert [response.status_code for response in responses[:4]] == [200] * 4
    assert "请输入一个正确的" in responses[0].content.decode()  # an ordinary refusal before the limit
    assert responses[4].status_code == 429 and LOCKED in responses[4].content.decode()

    response = log_in(client, user.username, PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in page and "请15分钟后再试" in page and "连续5次" in page
    assert int(response["Retry-After"]) == 15 * 60
    assert logged_in_as(client) is None


def test_the_admin_login_is_locked_too_and_shares_the_count(client, user):
    fail(client, user.username, 3, url=SITE_LOGIN)
    fail(client, user.username, 2, url=ADMIN_LOGIN)
    response = log_in(client, user.username, PASSWORD, url=ADMIN_LOGIN)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert logged_in_as(client) is None


def test_the_username_is_counted_without_case_or_spaces(client, user):
    for typed in ["Applicant@example.com", " applicant@example.com", "APPLICANT@EXAMPLE.COM", user.username]:
        fail(client, typed, 1)
    response = fail(client, user.username.upper(), 1)[0]
    assert response.status_code == 429


def test_another_user_or_another_address_is_not_affected(client, user):
    fail(client, user.username, 5)
    other = UserFactory(username="other@example.com", email="other@example.com")
    other.set_password(PASSWORD)
    other.save()

    response = log_in(client, other.username, PASSWORD)
    assert response.status_code == 302 and logged_in_as(client) == other.username
    client.logout()
    # The same username from another address: the lockout is per username and address.
    response = log_in(client, user.username, PASSWORD, address="198.51.100.7")
    assert response.status_code == 302 and logged_in_as(client) == user.username


def test_after_the_cool_off_the_right_password_works_again(client, user):
    fail(client, user.username, 5)
    assert log_in(client, user.username, PASSWORD).status_code == 429
    # Fifteen minutes and a little pass.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert logged_in_as(client) == user.username


def test_a_successful_login_clears_the_count(client, user):
    fail(client, user.username, 4)
    assert log_in(client, user.username, PASSWORD).status_code == 302
    client.logout()
    responses = fail(client, user.username, 4)
    assert all(response.status_code == 200 for response in responses)
    assert log_in(client, user.username, PASSWORD).status_code == 302


def test_logins_without_a_request_still_work(client, user):
    """The test client's login() and shells call authenticate() without a request: no lockout applies."""
    assert client.login(username=user.username, password=PASSWORD)
