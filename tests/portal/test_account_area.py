"""The applicant's area of the public site: signing up with a verified e-mail, logging in, filing a
community group, following it on its page, acting on it, and the notifications."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from registry.enums import ApplicationAction as A
from registry.enums import ApplicationKind, Role
from registry.enums import ApplicationState as S
from registry.models import Application, ApplicationEvent, Notification
from registry.services.applications import act_on_application, start_application
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


@pytest.fixture
def applicant(client, tree):
    user = UserFactory(username="applicant@example.com", email="applicant@example.com")
    client.force_login(user)
    return user


def filing_data(tree, **overrides):
    data = {
        "name": "盐城路社区书画社",
        "street": tree.zhanshan.pk,
        "community": tree.yancheng.pk,
        "address": "湛山路8号",
        "legal_representative": "张敏",
        "business_scope": "书画交流",
        "founded_on": "2026-03-01",
    }
    data.update(overrides)
    return data


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
    "path", ["/account/", "/account/applications/new/filing/", "/account/applications/1/", "/en/account/"]
)
def test_the_account_area_requires_login(client, tree, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/account/login/?next=" in response["Location"]


# --- Filing ----------------------------------------------------------------------------------------


def test_a_filing_is_saved_as_a_draft_then_submitted_and_the_timeline_shows_it(client, tree, applicant):
    response = client.post("/account/applications/new/filing/", {**filing_data(tree), "save": ""})
    application = Application.objects.get(applicant=applicant)
    assert response.status_code == 302 and response["Location"] == f"/account/applications/{application.pk}/"
    assert application.kind == ApplicationKind.FILING and application.state == S.DRAFT
    assert application.street == tree.zhanshan
    assert application.proposed == {
        "name": "盐城路社区书画社",
        "community": tree.yancheng.pk,
        "address": "湛山路8号",
        "legal_representative": "张敏",
        "business_scope": "书画交流",
        "founded_on": "2026-03-01",
    }

    response = client.post(
        f"/account/applications/{application.pk}/edit/", {**filing_data(tree, address="湛山路9号"), "submit": ""}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == S.SUBMITTED
    assert application.proposed["address"] == "湛山路9号"

    page = client.get(f"/account/applications/{application.pk}/").content.decode()
    assert "已提交" in page and "湛山路9号" in page and "盐城路社区" in page
    timeline = page.split("办理进度", 1)[1]
    assert "提交" in timeline and "本人" in timeline
    assert list(ApplicationEvent.objects.filter(application=application).values_list("action", flat=True)) == [A.SUBMIT]


def test_a_draft_may_leave_fields_empty_but_submitting_needs_them(client, tree, applicant):
    client.post("/account/applications/new/filing/", {"street": tree.zhanshan.pk, "address": "湛山路8号", "save": ""})
    application = Application.objects.get(applicant=applicant)
    assert application.state == S.DRAFT and application.proposed["address"] == "湛山路8号"

    response = client.post(
        f"/account/applications/{application.pk}/edit/",
        {"street": tree.zhanshan.pk, "address": "湛山路8号", "submit": ""},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"name", "legal_representative", "community"}
    application.refresh_from_db()
    assert application.state == S.DRAFT and application.proposed["address"] == "湛山路8号"


def test_submitting_with_a_community_of_another_street_keeps_the_draft_and_says_why(client, tree, applicant):
    response = client.post(
        "/account/applications/new/filing/",
        {**filing_data(tree, community=tree.taipingjiao.pk), "submit": ""},
    )
    assert response.status_code == 200
    assert "所选社区不属于湛山街道" in response.content.decode()
    assert "草稿已保存" in response.content.decode()
    application = Application.objects.get(applicant=applicant)
    assert application.state == S.DRAFT
    assert application.proposed["name"] == "盐城路社区书画社" and application.proposed["address"] == "湛山路8号"
    # The form now posts to the draft's edit address, so a second try does not open another draft.
    assert response.context["form_action"] == f"/account/applications/{application.pk}/edit/"
    client.post(response.context["form_action"], {**filing_data(tree), "submit": ""})
    application.refresh_from_db()
    assert application.state == S.SUBMITTED and Application.objects.filter(applicant=applicant).count() == 1


def test_the_applicant_withdraws_by_post_and_only_offered_actions_show(client, tree, applicant):
    application = start_application(
        applicant=applicant,
        kind=ApplicationKind.FILING,
        street=tree.badaguan,
        proposed={
            "name": "太平角合唱团",
            "community": tree.taipingjiao.pk,
            "address": "太平角一路",
            "legal_representative": "李华",
        },
    )
    page = client.get(f"/account/applications/{application.pk}/").content.decode()
    assert 'value="submit"' in page and 'value="withdraw"' in page
    response = client.post(f"/account/applications/{application.pk}/act/", {"action": "withdraw"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == S.WITHDRAWN
    page = client.get(f"/account/applications/{application.pk}/").content.decode()
    assert 'value="submit"' not in page and "已撤回" in page
    assert client.get(f"/account/applications/{application.pk}/edit/").status_code == 302


def test_a_returned_application_can_be_edited_and_resubmitted(client, tree, applicant, make_officer):
    officer = make_officer(Role.STREET_OFFICER, tree.badaguan, "street_badaguan")
    application = start_application(
        applicant=applicant,
        kind=ApplicationKind.FILING,
        street=tree.badaguan,
        proposed={
            "name": "太平角合唱团",
            "community": tree.taipingjiao.pk,
            "address": "太平角一路",
            "legal_representative": "李华",
        },
    )
    act_on_application(application=application, action=A.SUBMIT, actor=applicant)
    act_on_application(application=application, action=A.RETURN, actor=officer, reason="请补充活动场所证明")
    page = client.get(f"/account/applications/{application.pk}/").content.decode()
    assert "退回补正" in page and "请补充活动场所证明" in page and "修改申请内容" in page
    form_page = client.get(f"/account/applications/{application.pk}/edit/")
    assert form_page.context["form"].initial["name"] == "太平角合唱团"
    client.post(
        f"/account/applications/{application.pk}/edit/",
        {**filing_data(tree, name="太平角合唱团", community=tree.taipingjiao.pk, address="太平角二路"), "submit": ""},
    )
    application.refresh_from_db()
    assert application.state == S.SUBMITTED and application.proposed["address"] == "太平角二路"
    assert application.street == tree.badaguan  # the street is fixed once the application is opened


def test_another_user_gets_404_and_cannot_act(client, tree):
    owner = UserFactory(username="owner@example.com")
    application = start_application(
        applicant=owner, kind=ApplicationKind.FILING, street=tree.zhanshan, proposed={"name": "书画社"}
    )
    client.force_login(UserFactory(username="intruder@example.com"))
    base = f"/account/applications/{application.pk}/"
    assert client.get(base).status_code == 404
    assert client.get(base + "edit/").status_code == 404
    assert client.post(base + "edit/", {**filing_data(tree), "submit": ""}).status_code == 404
    assert client.post(base + "act/", {"action": "withdraw"}).status_code == 404
    application.refresh_from_db()
    assert application.state == S.DRAFT and application.proposed == {"name": "书画社"}


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


def test_account_page_renders_in_english(client, tree, applicant):
    response = client.get("/en/account/")
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()
    assert client.get("/en/account/applications/new/filing/").status_code == 200


def test_the_header_links_to_login_or_to_the_account(client, tree):
    assert 'href="/account/login/"' in client.get("/account/login/").content.decode()
    client.force_login(UserFactory(username="someone@example.com"))
    assert 'href="/account/"' in client.get("/account/signup/", follow=True).content.decode()
