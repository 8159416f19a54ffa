"""Defects of the applicant's account (issue 4, items 1 and 9): every valid e-mail signs up, login
ignores the e-mail's case, and 我的组织 shows the organization's own full record, a pending claim
and the link to its public page."""

import datetime
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.validators import validate_email
from django.utils import timezone

from portal.forms_account import username_for_email
from portal.site_structure import ensure_site_pages
from registry.models import OrganizationClaim
from registry.services.roles import claim_organization, link_organization_account
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

PASSWORD = "Qingdao-shinan-2026"
# A valid resident ID (GB 11643 check character).
RESIDENT_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The per-address mail throttle lives in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def signup(client, email, password=PASSWORD):
    return client.post("/account/signup/", {"email": email, "password1": password, "password2": password})


def verify_from_mail(client, message) -> None:
    link = re.search(r"https?://[^\s]+/account/verify/[^\s]+/", message.body).group(0)
    client.get(link)
    client.logout()


def log_in(client, typed, password=PASSWORD):
    return client.post("/account/login/", {"username": typed, "password": password}, REMOTE_ADDR="192.0.2.20")


def logged_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


# --- Signing up with any valid e-mail --------------------------------------------------------------

ODD_EMAILS = [
    "o'neil@example.com",
    "a!b@example.com",
    "x#y@example.com",
    "a{b}|c~d$e%f&g*h/i=j?k^l`m@example.com",
    "someone@[127.0.0.1]",
    "someone@例子.中国",
    "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 40 + ".com",  # 237 characters
]


@pytest.mark.parametrize("email", ODD_EMAILS)
def test_every_valid_email_signs_up_verifies_and_logs_in_by_its_email(client, tree, email):
    validate_email(email)  # the premise: Django's EmailValidator accepts it
    response = signup(client, email)
    assert response.status_code == 200 and "请查收验证邮件" in response.content.decode()
    user = get_user_model().objects.get(email=email)
    user.full_clean()  # the stored username passes Django's username validator
    assert not user.is_active and mail.outbox[0].to == [email]

    verify_from_mail(client, mail.outbox[0])
    response = log_in(client, email)
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert logged_in_user(client) == user
    # The account page names the account by its e-mail, not by a derived username.
    assert f"当前账号：{html.escape(email)}" in client.get("/account/").content.decode()


def test_derived_usernames_are_valid_and_distinct_for_addresses_that_differ_only_in_refused_characters():
    first, second = username_for_email("o'neil@example.com"), username_for_email("o!neil@example.com")
    assert first != second
    for username in (first, second):
        get_user_model().username_validator(username)
    assert username_for_email("plain@example.com") == "plain@example.com"  # as every account so far


def test_an_odd_email_already_taken_is_refused_in_chinese_whatever_its_case(client, tree):
    assert signup(client, "o'neil@example.com").status_code == 200
    response = signup(client, "O'Neil@Example.com")
    assert response.status_code == 200 and "该电子邮箱已注册" in response.content.decode()
    assert get_user_model().objects.filter(email__iexact="o'neil@example.com").count() == 1


def test_an_invalid_or_too_long_email_gets_a_message_not_a_500(client, tree):
    for email in ('"john doe"@example.com', "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com"):
        response = signup(client, email)
        assert response.status_code == 200
        assert response.context["form"].errors["email"]
    assert not get_user_model().objects.exists()
    assert mail.outbox == []


def test_an_existing_account_whose_username_is_its_email_still_logs_in(client, tree):
    UserFactory(username="old@example.com", email="old@example.com", password=PASSWORD)
    assert log_in(client, "old@example.com")["Location"] == "/account/"


def test_resending_the_verification_finds_an_account_with_a_derived_username(client, tree):
    signup(client, "o'neil@example.com")
    client.post("/account/verify/resend/", {"email": "O'NEIL@example.com"})
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["o'neil@example.com"]


# --- Login ignores the e-mail's case ----------------------------------------------------------------


def test_login_ignores_the_case_of_the_email(client, tree):
    signup(client, "user@example.com")
    verify_from_mail(client, mail.outbox[0])
    for typed in ("User@Example.com", "USER@EXAMPLE.COM", " user@example.com "):
        response = log_in(client, typed)
        assert response.status_code == 302, typed
        assert logged_in_user(client).email == "user@example.com"
        client.logout()
    response = log_in(client, "User@Example.com", password="wrong-password")
    assert response.status_code == 200 and "请输入一个正确的" in response.content.decode()


def test_officers_still_log_in_by_username(client, tree):
    UserFactory(username="district_officer", email="Officer@Example.com", password=PASSWORD)
    assert log_in(client, "district_officer")["Location"] == "/account/"
    client.logout()
    assert log_in(client, "officer@example.com")["Location"] == "/account/"


def test_failures_under_any_case_of_the_email_count_towards_one_lockout(client, tree):
    UserFactory(username="o_neil-abc", email="o'neil@example.com", password=PASSWORD)
    for typed in ("O'Neil@example.com", "o'neil@EXAMPLE.com", "o'neil@example.com", "O'NEIL@EXAMPLE.COM"):
        assert log_in(client, typed, password="wrong-password").status_code == 200
    response = log_in(client, "o'NEIL@example.com", password="wrong-password")
    assert response.status_code == 429
    # Locked: even the right password is refused for now.
    assert log_in(client, "o'neil@example.com").status_code == 429
    assert logged_in_user(client) is None


# --- 我的组织 --------------------------------------------------------------------------------------


@pytest.fixture
def member(client, tree):
    user = UserFactory(username="member@example.com", email="member@example.com")
    client.force_login(user)
    return user


def test_the_account_page_shows_the_full_own_record_with_personal_data_in_clear(client, tree, member):
    ensure_site_pages()
    organization = create_org(
        street=tree.zhanshan,
        community=tree.yancheng,
        name="湛山街道老年协会",
        address="湛山路8号",
        business_scope="组织老年人文体活动",
        legal_representative="张敏",
        public_phone="0532-80000000",
        supervising_unit="市南区民政局",
        supervising_approval_number="市南民批〔2020〕12号",
        founded_on=datetime.date(2020, 5, 1),
        legal_representative_id_number=RESIDENT_ID,
        legal_representative_phone="13912345678",
    )
    link_organization_account(user=member, organization=organization)

    page = client.get("/account/").content.decode()
    for fact in (
        "湛山街道老年协会",
        organization.uscc,
        "湛山路8号",
        "组织老年人文体活动",
        "张敏",
        "0532-80000000",
        tree.yancheng.name,
        "2020-05-01",
        "市南民批〔2020〕12号",
        "法定代表人身份证号码",
        RESIDENT_ID,
        "13912345678",
    ):
        assert fact in page, fact
    # The link to the organization's public page in the directory, which shows the public record
    # only.
    public_url = re.search(rf'href="([^"]*/{organization.uscc}/)"', page).group(1)
    public_page = client.get(public_url).content.decode()
    assert "湛山街道老年协会" in public_page and "湛山路8号" in public_page
    assert RESIDENT_ID not in public_page and "13912345678" not in public_page


def test_another_organizations_personal_data_is_not_on_the_page(client, tree, member):
    own = create_org(street=tree.zhanshan, name="湛山街道老年协会")
    create_org(street=tree.zhanshan, name="别的协会", legal_representative_id_number=RESIDENT_ID)
    link_organization_account(user=member, organization=own)
    page = client.get("/account/").content.decode()
    assert RESIDENT_ID not in page and "别的协会" not in page


def test_the_account_page_shows_a_pending_claim_with_its_state_and_date(client, tree, member):
    group = create_org(street=tree.zhanshan, community=tree.yancheng, kind="community_group", name="盐城路合唱团")
    claim = claim_organization(user=member, identifier=group.filing_number, statement="本人为负责人")
    page = client.get("/account/").content.decode()
    assert "盐城路合唱团" in page and str(OrganizationClaim.State.PENDING.label) in page
    assert timezone.localtime(claim.created_at).date().isoformat() in page
    # No second claim link while it waits.
    assert "/account/claim/" not in page

    OrganizationClaim.objects.filter(pk=claim.pk).update(state=OrganizationClaim.State.REJECTED)
    page = client.get("/account/").content.decode()
    assert "盐城路合唱团" not in page and "/account/claim/" in page
