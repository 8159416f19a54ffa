"""Two-factor authentication before the admin for city and district officers, agency managers,
committee members and superusers: setting up an authenticator, entering its code, and the roles
that are never asked."""

import re

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluation.enums import AgencyRole
from evaluation.models import Agency, Committee
from evaluation.services.people import add_agency_member, add_committee_member
from portal.demo import DEMO_PASSWORD
from portal.security.two_factor import current_code, requires_two_factor
from registry.enums import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"
SETUP = "/admin/two-factor/setup/"
VERIFY = "/admin/two-factor/"


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    """The test settings leave it off (tests log officers in with force_login); on here, as in production."""
    settings.OTP_REQUIRED_ROLES = django_settings.TWO_FACTOR_ROLES


@pytest.fixture
def district_officer(make_officer, tree):
    return make_officer(Role.DISTRICT_OFFICER, tree.district)


def confirmed_device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def test_an_officer_without_an_authenticator_is_sent_to_set_one_up_and_reaches_no_admin_page(client, district_officer):
    client.force_login(district_officer)
    for path in [ADMIN, "/admin/pages/", "/admin/account/", "/materials/1/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(SETUP + "?next="), path

    page = client.get(response["Location"])
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=district_officer)
    assert not device.confirmed
    assert "设置二次验证" in html and "<svg" in html
    secret = re.search(r'<code class="two-factor-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert len(secret.replace(" ", "")) == 32
    # A second visit shows the same authenticator, so that a code already scanned stays good.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=district_officer).count() == 1


def test_confirming_a_valid_code_binds_the_authenticator_and_lets_the_officer_in(client, district_officer):
    client.force_login(district_officer)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=district_officer)

    response = client.post(SETUP, {"code": current_code(device), "next": "/admin/pages/"})
    assert response.status_code == 302 and response["Location"] == "/admin/pages/"
    device.refresh_from_db()
    assert device.confirmed
    dashboard = client.get(ADMIN)
    assert dashboard.status_code == 200 and "身份验证器已绑定" in dashboard.content.decode()


def test_a_wrong_code_is_refused_with_a_message_and_the_admin_stays_closed(client, settings, district_officer):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute's wait after a failure, however slow the test runs
    client.force_login(district_officer)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=district_officer)
    wrong = f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"

    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert "验证码不正确或已过期，请重新输入。" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(ADMIN)["Location"].startswith(SETUP)
    # Tries right after a failure wait (1, 2, 4 … seconds by default), whatever the code.
    response = client.post(SETUP, {"code": current_code(device)})
    assert "尝试次数过多" in response.content.decode()
    # Not six digits: refused before any check.
    response = client.post(SETUP, {"code": "12ab"})
    assert "请输入6位数字验证码。" in response.content.decode()


def test_with_an_authenticator_the_officer_enters_its_code_before_any_admin_page(client, district_officer):
    device = confirmed_device_for(district_officer)
    client.force_login(district_officer)
    response = client.get("/admin/pages/")
    assert response["Location"] == VERIFY + "?next=%2Fadmin%2Fpages%2F"
    # A password alone cannot add a second authenticator.
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    assert "请输入身份验证器应用中当前显示的6位验证码" in client.get(VERIFY).content.decode()

    response = client.post(VERIFY + "?next=%2Fadmin%2Fpages%2F", {"code": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/admin/pages/"
    assert client.get(ADMIN).status_code == 200
    # Once per session: the next login asks again.
    client.logout()
    client.force_login(district_officer)
    assert client.get(ADMIN)["Location"].startswith(VERIFY)


def test_a_code_is_accepted_once_only(client, district_officer):
    device = confirmed_device_for(district_officer)
    code = current_code(device)
    client.force_login(district_officer)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.logout()
    client.force_login(district_officer)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200 and "验证码不正确或已过期" in response.content.decode()


def test_the_next_address_must_be_ours(client, district_officer):
    device = confirmed_device_for(district_officer)
    client.force_login(district_officer)
    response = client.post(VERIFY, {"code": current_code(device), "next": "https://evil.example/"})
    assert response["Location"] == ADMIN


def test_a_street_officer_and_a_community_supervisor_are_not_asked(client, make_officer, tree):
    for role, unit in [(Role.STREET_OFFICER, tree.zhanshan), (Role.COMMUNITY_SUPERVISOR, tree.yancheng)]:
        officer = make_officer(role, unit)
        client.force_login(officer)
        assert client.get(ADMIN).status_code == 200, role
        assert client.get(SETUP)["Location"] == ADMIN, role
        assert not TOTPDevice.objects.filter(user=officer).exists()


def test_the_roles_that_must_use_it(make_officer, tree):
    agency = Agency.objects.create(name="青岛测试评估机构")
    committee = Committee.objects.create(name="测试评估委员会", authority=tree.district)
    manager, assessor, member = UserFactory(), UserFactory(), UserFactory()
    add_agency_member(user=manager, agency=agency, role=AgencyRole.MANAGER)
    add_agency_member(user=assessor, agency=agency, role=AgencyRole.ASSESSOR)
    add_committee_member(user=member, committee=committee)

    assert requires_two_factor(make_officer(Role.CITY_OFFICER, tree.city))
    assert requires_two_factor(make_officer(Role.DISTRICT_OFFICER, tree.district))
    assert requires_two_factor(manager) and requires_two_factor(member)
    assert requires_two_factor(UserFactory(is_superuser=True))
    assert not requires_two_factor(assessor)
    assert not requires_two_factor(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    assert not requires_two_factor(UserFactory())


def test_an_empty_setting_turns_it_off(client, settings, district_officer):
    settings.OTP_REQUIRED_ROLES = []
    client.force_login(district_officer)
    assert client.get(ADMIN).status_code == 200


def test_the_public_site_is_unaffected(client, district_officer):
    client.force_login(district_officer)
    assert client.get("/verify/").status_code == 200


def test_demo_totp_reads_out_the_code_of_a_demo_account_only(make_officer, tree, capsys):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district, username="district_officer")
    officer.set_password(DEMO_PASSWORD)
    officer.save()
    call_command("demo_totp", "district_officer")
    device = TOTPDevice.objects.get(user=officer)  # the one the setup page will show
    assert f"当前的验证码：{current_code(device)}" in capsys.readouterr().out

    officer.set_password("a-real-password-2026")
    officer.save()
    with pytest.raises(CommandError, match="不是使用演示密码的演示账号"):
        call_command("demo_totp", "district_officer")
    real = make_officer(Role.CITY_OFFICER, tree.city, username="zhang.mingyuan")
    with pytest.raises(CommandError):
        call_command("demo_totp", real.username)


def test_reset_two_factor_forgets_the_authenticator(client, district_officer):
    confirmed_device_for(district_officer)
    call_command("reset_two_factor", district_officer.username)
    assert not TOTPDevice.objects.filter(user=district_officer).exists()
    client.force_login(district_officer)
    assert client.get(ADMIN)["Location"].startswith(SETUP)
