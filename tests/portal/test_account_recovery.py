"""Getting back into an account: a password reset by e-mail, and the sign-up e-mail sent again. Both
answer the same whether or not an address is registered, and send at most once a minute per address."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "member@example.com"


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The per-address throttle lives in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def link_in(message, path: str) -> str:
    return re.search(rf"https?://\S+{path}\S+/", message.body).group(0)


# --- Password reset --------------------------------------------------------------------------------


def test_the_login_page_links_to_recovery(client, tree):
    page = client.get("/account/login/").content.decode()
    assert 'href="/account/password-reset/"' in page and 'href="/account/verify/resend/"' in page


def test_a_password_is_reset_through_the_emailed_link(client, tree):
    user = UserFactory(username=EMAIL, email=EMAIL)
    response = client.post("/account/password-reset/", {"email": EMAIL})
    assert response["Location"] == "/account/password-reset/sent/"
    assert "重置密码的链接已发送" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [EMAIL]
    assert "重置您的密码" in mail.outbox[0].subject

    link = link_in(mail.outbox[0], "/account/password-reset/")
    form_page = client.get(link, follow=True)
    assert "设置新密码" in form_page.content.decode() and form_page.context["validlink"]
    # Django moves the token into the session and the address to .../set-password/.
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200 and response.context["form"].errors
    new = "Qingdao-Shinan-2027"
    response = client.post(set_password_url, {"new_password1": new, "new_password2": new}, follow=True)
    assert "密码已重置" in response.content.decode()

    user.refresh_from_db()
    assert user.check_password(new)
    assert client.post("/account/login/", {"username": EMAIL, "password": new})["Location"] == "/account/"
    # The link is spent.
    client.logout()
    assert not client.get(link, follow=True).context["validlink"]


def test_an_unknown_or_unverified_address_gets_the_same_answer_and_no_mail(client, tree):
    UserFactory(username="pending@example.com", email="pending@example.com", is_active=False)
    for email in ("nobody@example.com", "pending@example.com"):
        response = client.post("/account/password-reset/", {"email": email})
        assert response["Location"] == "/account/password-reset/sent/"
    assert mail.outbox == []


def test_reset_mails_to_one_address_are_sent_at_most_once_a_minute(client, tree):
    UserFactory(username=EMAIL, email=EMAIL)
    for _attempt in range(3):
        assert client.post("/account/password-reset/", {"email": EMAIL}).status_code == 302
    assert len(mail.outbox) == 1


def test_a_bad_reset_link_says_so(client, tree):
    page = client.get("/account/password-reset/MQ/not-a-token/", follow=True).content.decode()
    assert "该链接无效" in page


# --- Sending the verification again ----------------------------------------------------------------


def signup(client, email=EMAIL, password="Qingdao-shinan-2026"):
    return client.post("/account/signup/", {"email": email, "password1": password, "password2": password})


def test_the_verification_email_is_sent_again_and_its_link_activates(client, tree):
    signup(client)
    assert "/account/verify/resend/" in client.get("/account/login/").content.decode()
    cache.clear()  # the sign-up itself is not throttled; start the minute here
    response = client.post("/account/verify/resend/", {"email": EMAIL.upper()}, follow=True)
    assert "如果该邮箱已注册且尚未验证，验证邮件已重新发送" in response.content.decode()
    assert len(mail.outbox) == 2 and mail.outbox[1].to == [EMAIL]

    response = client.get(link_in(mail.outbox[1], "/account/verify/"), follow=True)
    assert "电子邮箱已验证" in response.content.decode()
    assert get_user_model().objects.get(username=EMAIL).is_active


def test_resending_tells_nothing_about_the_address_and_waits_a_minute(client, tree):
    signup(client)
    mail.outbox.clear()
    answers = [
        [
            str(message)
            for message in client.post("/account/verify/resend/", {"email": email}, follow=True).context["messages"]
        ]
        for email in (EMAIL, "nobody@example.com")
    ]
    assert answers[0] == answers[1] and len(answers[0]) == 1  # the same answer for a known and an unknown address
    assert len(mail.outbox) == 1
    client.post("/account/verify/resend/", {"email": EMAIL})
    assert len(mail.outbox) == 1  # within the minute: nothing more


def test_no_verification_mail_for_an_active_or_a_switched_off_account(client, tree):
    UserFactory(username="active@example.com", email="active@example.com")
    UserFactory(username="off@example.com", email="off@example.com", is_active=False, last_login=timezone.now())
    for email in ("active@example.com", "off@example.com"):
        client.post("/account/verify/resend/", {"email": email})
    assert mail.outbox == []


def test_resending_checks_the_address(client, tree):
    response = client.post("/account/verify/resend/", {"email": "not an address"})
    assert response.status_code == 200 and "email" in response.context["form"].errors
    assert mail.outbox == []
