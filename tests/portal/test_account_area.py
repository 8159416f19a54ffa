"""The applicant's area of the public site: signing up with a verified e-mail, logging in, the account
page with its organization, applications, start links and notifications. The application forms are
tested in test_application_forms.py, recovery in test_account_recovery.py."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from registry.enums import ApplicationAction as A
from registry.enums import ApplicationKind, OrganizationStatus
from registry.models import Notification
from registry.services.applications import act_on_application, start_application
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org, file_required_materials

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


@pytest.fixture
def applicant(client, tree):
    user = UserFactory(username="applicant@example.com", email="applicant@example.com")
    client.force_login(user)
    return user


def signup(client, email="new@example.com", password="Qingdao-shinan-2026"):
    return client.post("/account/signup/", {"email": email, "password1": password, "password2": password})


# --- Signing up ------------------------------------------------------------------------------------


def test_signup_creates_an_inactive_user_and_the_emailed_link_activates_and_logs_in(client, tree):
    response = signup(client)
    assert "请查收验证邮件" in response.content.decode()
    user = get_user_model().objects.get(username="new@example.com")
    assert user.email == "new@example.com" and not user.is_active
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]

    link = re.search(r"https?://[^\s]+/account/verify/[^\s]+/", mail.outbox[0].body).group(0)
    response = client.get(link, follow=True)
    user.refresh_from_db()
    assert user.is_active
    assert response.wsgi_request.user == user
    assert "电子邮箱已验证" in response.content.decode()
    # The link is spent once used.
    client.logout()
    assert client.get(link).status_code == 400


def test_signup_applies_the_password_validators_and_refuses_a_taken_email(client, tree):
    response = signup(client, password="12345678")
    assert response.status_code == 200 and "password1" in response.context["form"].errors
    UserFactory(username="taken@example.com", email="taken@example.com")
    response = signup(client, email="taken@example.com")
    assert "该电子邮箱已注册" in response.content.decode()
    assert not get_user_model().objects.filter(username="new@example.com").exists()
    assert mail.outbox == []


def test_a_bad_or_tampered_token_is_refused(client, tree):
    signup(client)
    user = get_user_model().objects.get(username="new@example.com")
    link = re.search(r"/account/verify/([^/]+)/([^/\s]+)/", mail.outbox[0].body)
    uid, token = link.group(1), link.group(2)
    tampered = token[:-1] + ("a" if token[-1] != "a" else "b")
    for path in (
        f"/account/verify/{uid}/{tampered}/",
        f"/account/verify/{uid}/nonsense/",
        f"/account/verify/xx/{token}/",
    ):
        response = client.get(path)
        assert response.status_code == 400
        assert "验证链接无效" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active
    assert "_auth_user_id" not in client.session


def test_login_and_logout(client, tree):
    UserFactory(username="someone@example.com", email="someone@example.com")
    response = client.post("/account/login/", {"username": "someone@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert "我的组织" in client.get("/account/").content.decode()
    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "path",
    [
        "/account/",
        "/account/applications/new/filing/",
        "/account/applications/new/change/",
        "/account/applications/1/",
        "/account/applications/1/edit/basics/",
        "/en/account/",
    ],
)
def test_the_account_area_requires_login(client, tree, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/account/login/?next=" in response["Location"]


# --- The account page ------------------------------------------------------------------------------


def test_account_page_shows_the_organization_applications_and_notifications_then_marks_them_read(
    client, tree, applicant
):
    organization = create_org(street=tree.zhanshan, name="湛山街道老年协会")
    link_organization_account(user=applicant, organization=organization)
    application = start_application(
        applicant=applicant,
        kind=ApplicationKind.FILING,
        street=tree.zhanshan,
        proposed={
            "name": "盐城路社区书画社",
            "community": tree.yancheng.pk,
            "address": "湛山路8号",
            "legal_representative": "张敏",
        },
    )
    file_required_materials(application)
    act_on_application(application=application, action=A.SUBMIT, actor=applicant)
    older = Notification.objects.get(user=applicant)
    Notification.objects.create(user=applicant, message="第二条通知")

    page = client.get("/account/").content.decode()
    assert "湛山街道老年协会" in page and organization.uscc in page
    assert "盐城路社区书画社" in page and f"/account/applications/{application.pk}/" in page
    assert page.index("第二条通知") < page.index(older.message)  # newest first
    assert page.count(">新<") == 2
    assert not Notification.objects.filter(user=applicant, read_at__isnull=True).exists()
    assert ">新<" not in client.get("/account/").content.decode()


def test_the_start_links_depend_on_whether_the_account_has_an_organization(client, tree, applicant):
    page = client.get("/account/").content.decode()
    assert "/account/applications/new/registration/" in page and "/account/applications/new/filing/" in page
    assert "/account/claim/" in page and "/account/applications/new/change/" not in page

    organization = create_org(street=tree.zhanshan, name="湛山街道老年协会")
    link_organization_account(user=applicant, organization=organization)
    page = client.get("/account/").content.decode()
    assert "/account/applications/new/change/" in page and "/account/applications/new/deregistration/" in page
    assert "/account/applications/new/registration/" not in page

    # A closed organization files nothing more: no start links, and the addresses say why.
    organization.status = OrganizationStatus.DEREGISTERED
    organization.save()
    page = client.get("/account/").content.decode()
    assert "/account/applications/new/change/" not in page
    response = client.get("/account/applications/new/change/", follow=True)
    assert (
        "该组织已已注销，不能再提出申请" in response.content.decode() or "不能再提出申请" in response.content.decode()
    )


def test_account_page_renders_in_english(client, tree, applicant):
    response = client.get("/en/account/")
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()
    for path in (
        "/en/account/applications/new/filing/",
        "/en/account/applications/new/registration/",
        "/en/account/password-reset/",
        "/en/account/verify/resend/",
    ):
        assert client.get(path).status_code == 200


def test_the_header_links_to_login_or_to_the_account(client, tree):
    assert 'href="/account/login/"' in client.get("/account/login/").content.decode()
    client.force_login(UserFactory(username="someone@example.com"))
    assert 'href="/account/"' in client.get("/account/signup/", follow=True).content.decode()
