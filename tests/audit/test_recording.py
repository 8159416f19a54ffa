"""Real decisions write the audit log: who, what, why, before and after, in their transaction."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import record
from evaluation.models import Committee
from evaluation.services.campaigns import change_campaign, create_campaign
from evaluation.services.grades import cancel_grade
from federation.council import appoint_council_member
from federation.enums import CouncilRole
from federation.services import add_federation_staff, found_federation
from federation.venture import publish_results
from registry.enums import ApplicationAction, ApplicationKind, CreditList, ListingCause, Role
from registry.models import UnitRole
from registry.services.annual_reports import submit_annual_report
from registry.services.applications import act_on_application, start_application
from registry.services.credit import list_organization
from registry.services.roles import link_organization_account
from tests.evaluation.test_campaigns import campaign_data
from tests.factories import UserFactory, create_org, file_required_materials
from tests.federation.venture_fixtures import funded_project
from tests.registry.test_annual_reports import FACTS

pytest_plugins = [
    "tests.evaluation.certificate_fixtures",
    "tests.federation.hub_fixtures",
    "tests.federation.venture_fixtures",
]
pytestmark = pytest.mark.django_db

A = ApplicationAction


@pytest.fixture
def people(tree, make_officer):
    federation = found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会")
    staff = UserFactory(username="federation_staff")
    add_federation_staff(user=staff, federation=federation)
    street = make_officer(Role.STREET_OFFICER, tree.zhanshan, "street")
    street.first_name = "李街道"
    street.save()
    return {"applicant": UserFactory(username="applicant"), "federation": staff, "street": street}


def filing(tree, people):
    application = start_application(
        applicant=people["applicant"],
        kind=ApplicationKind.FILING,
        street=tree.zhanshan,
        proposed={"name": "盐城路社区书画社", "community": tree.yancheng.pk, "address": "湛山路8号"},
    )
    file_required_materials(application)
    return application


def take(application, steps):
    for action, who in steps:
        application = act_on_application(application=application, action=action, actor=who, reason=f"{action}意见")
    return application


def test_approving_an_application_records_who_why_and_the_state_before_and_after(tree, people):
    application = take(
        filing(tree, people),
        [(A.SUBMIT, people["applicant"]), (A.PRE_REVIEW, people["federation"]), (A.ACCEPT, people["street"])],
    )
    application = take(application, [(A.APPROVE, people["street"])])

    entry = AuditEntry.objects.get(action="application.approve")
    assert (entry.actor_id, entry.actor_name) == (people["street"].pk, "李街道")
    assert entry.action_label == "申请：批准"
    assert (entry.target_type, entry.target_id) == ("registry.application", str(application.pk))
    assert entry.reason == "approve意见"
    assert (entry.before, entry.after) == ({"state": "已受理"}, {"state": "已批准"})
    assert (entry.organization_id, entry.organization_name) == (application.organization_id, "盐城路社区书画社")
    steps = AuditEntry.objects.filter(target_type="registry.application").order_by("id")
    assert [e.action for e in steps] == [f"application.{a}" for a in (A.SUBMIT, A.PRE_REVIEW, A.ACCEPT, A.APPROVE)]
    created = AuditEntry.objects.get(action="organization.create")
    assert created.actor_id == people["street"].pk
    assert created.after["name"] == "盐城路社区书画社"
    assert created.after["filing_number"] == application.organization.filing_number


def test_a_rolled_back_decision_leaves_no_entry(tree, people):
    application = take(
        filing(tree, people),
        [(A.SUBMIT, people["applicant"]), (A.PRE_REVIEW, people["federation"]), (A.ACCEPT, people["street"])],
    )
    before = AuditEntry.objects.count()

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        take(application, [(A.APPROVE, people["street"])])
        assert AuditEntry.objects.filter(action="application.approve").exists()
        raise Abandoned

    assert AuditEntry.objects.count() == before
    assert not AuditEntry.objects.filter(action__in=["application.approve", "organization.create"]).exists()


def test_listing_on_a_credit_list_records_the_listing_and_the_status_change(tree, make_officer, today):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    organization = create_org(street=tree.zhanshan, name="湛山书画研究会")
    listing = list_organization(
        organization=organization,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.UNREACHABLE,
        listed_on=today,
        actor=officer,
        details="登记的住所无法联系",
    )

    entry = AuditEntry.objects.get(action="credit.list")
    assert entry.actor_id == officer.pk
    assert (entry.target_type, entry.target_id) == ("registry.creditlisting", str(listing.pk))
    assert entry.reason == "登记的住所无法联系"
    assert entry.after == {"list": "活动异常名录", "cause": "通过登记的住所无法联系", "listed_on": today.isoformat()}
    assert entry.organization_id == organization.pk
    status = AuditEntry.objects.get(action="organization.change")
    assert (status.before, status.after) == ({"status": "正常"}, {"status": "活动异常"})


def test_cancelling_a_grade_revokes_its_certificate_on_record(evaluation, certificate, today):
    cancel_grade(grade=certificate.grade_record, reason="年检不合格", actor=evaluation.officer, on=today)

    cancelled = AuditEntry.objects.get(action="grade.cancel")
    assert cancelled.actor_id == evaluation.officer.pk
    assert cancelled.before["grade"] == certificate.grade and cancelled.after["grade"] is None
    revoked = AuditEntry.objects.get(action="certificate.revoke")
    assert revoked.actor_id == evaluation.officer.pk
    assert (revoked.target_type, revoked.target_id) == ("evaluation.certificate", str(certificate.pk))
    assert "年检不合格" in revoked.reason
    assert (revoked.before, revoked.after) == ({"revoked_on": None}, {"revoked_on": today.isoformat()})
    assert revoked.organization_id == evaluation.organization.pk


def test_values_are_stored_as_json_and_the_request_gives_the_address(tree, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    officer = UserFactory(username="reader")
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    request.user = officer
    entry = record(
        actor=officer,
        action="personal_data.view",
        target=tree.zhanshan,
        after={"on": datetime.date(2026, 1, 2), "amount": Decimal("1.50"), "unit": tree.zhanshan, "ids": {2, 1}},
        request=request,
    )
    entry.refresh_from_db()
    assert entry.after == {"on": "2026-01-02", "amount": "1.50", "unit": "湛山街道", "ids": [1, 2]}
    assert entry.ip == "10.1.2.3"
    assert (entry.target_type, entry.organization_id, entry.actor_name) == (
        "registry.administrativeunit",
        None,
        "reader",
    )


def test_a_forged_forwarded_address_is_not_stored(tree, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    entry = record(actor=None, action="personal_data.view", target=tree.zhanshan, request=request)
    assert entry.ip is None
    assert (entry.actor_id, entry.actor_name) == (None, "")


def test_an_unregistered_action_is_refused(tree):
    written = AuditEntry.objects.count()
    with pytest.raises(LookupError):
        record(actor=None, action="application.aprove", target=tree.zhanshan)
    assert AuditEntry.objects.count() == written


def test_changing_and_revoking_a_unit_role_in_the_back_office_is_on_record(client, tree, make_officer):
    district = make_officer(Role.DISTRICT_OFFICER, tree.district, "district")
    street = make_officer(Role.STREET_OFFICER, tree.zhanshan, "street")
    assignment = UnitRole.objects.get(user=street)
    client.force_login(district)

    response = client.post(
        reverse("unit_roles:edit", args=[assignment.pk]),
        {"user": street.pk, "role": Role.STREET_OFFICER, "unit": tree.badaguan.pk},
    )
    assert response.status_code == 302
    changed = AuditEntry.objects.get(action="role.change")
    assert changed.actor_id == district.pk
    assert (changed.before["unit"], changed.after["unit"]) == ("湛山街道", "八大关街道")

    assert client.post(reverse("unit_roles:delete", args=[assignment.pk])).status_code == 302
    assert not UnitRole.objects.filter(pk=assignment.pk).exists()
    revoked = AuditEntry.objects.get(action="role.revoke")
    assert (revoked.actor_id, revoked.before) == (
        district.pk,
        {"user": "street", "role": "街道工作人员", "unit": "八大关街道"},
    )
    granted = AuditEntry.objects.filter(action="role.grant", target_id=str(assignment.pk)).get()
    assert granted.actor_id is None  # make_officer grants as the system


def test_creating_and_changing_a_campaign_records_its_facts_and_then_only_what_changed(
    tree, make_officer, small_framework, today
):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district, "district")
    committee = Committee.objects.create(name="市南区评估委员会（审计）", authority=tree.district)
    year = today.year + 1
    data = campaign_data(
        committee,
        year=year,
        applications_open_on=datetime.date(year, 3, 1),
        applications_close_on=datetime.date(year, 5, 31),
        scoring_closes_on=datetime.date(year, 8, 31),
    )
    frameworks = {small_framework.applies_to[0]: small_framework}
    campaign = create_campaign(authority=tree.district, data=data, frameworks=frameworks, actor=officer)

    created = AuditEntry.objects.get(action="campaign.create")
    assert created.actor_id == officer.pk
    assert (created.target_type, created.target_id) == ("evaluation.campaign", str(campaign.pk))
    assert created.organization_id is None  # a campaign belongs to an authority, not an organization
    assert created.before is None and created.after["year"] == year
    assert created.after["committee"] == "市南区评估委员会（审计）"

    change_campaign(campaign=campaign, data={**data, "notice_days": 10}, frameworks=frameworks, actor=officer)
    changed = AuditEntry.objects.get(action="campaign.change")
    assert (changed.actor_id, changed.before, changed.after) == (officer.pk, {"notice_days": 7}, {"notice_days": 10})


def test_appointing_a_council_member_is_on_record_for_the_delegating_organization(hub, today):
    seat = appoint_council_member(
        federation=hub.federation,
        organization=hub.choir,
        role=CouncilRole.PRESIDENT,
        person_name="王桂兰",
        started_on=today,
        actor=hub.staff,
    )
    entry = AuditEntry.objects.get(action="council.appoint")
    assert entry.actor_id == hub.staff.pk
    assert (entry.target_type, entry.target_id) == ("federation.councilseat", str(seat.pk))
    assert (entry.organization_id, entry.organization_name) == (hub.choir.pk, "盐城路社区合唱团")
    assert entry.after == {"role": "会长", "person_name": "王桂兰", "started_on": today.isoformat()}


def test_submitting_an_annual_report_is_on_record_for_the_organization(tree, today):
    society = create_org(
        street=tree.zhanshan, name="湛山书画研究会", founded_on=today.replace(year=today.year - 5, day=1)
    )
    account = UserFactory(username="society_account")
    link_organization_account(user=account, organization=society)
    report = submit_annual_report(organization=society, actor=account, year=today.year - 1, **FACTS)
    entry = AuditEntry.objects.get(action="annual_report.submit")
    assert entry.actor_id == account.pk
    assert (entry.target_type, entry.target_id) == ("registry.annualreport", str(report.pk))
    assert (entry.organization_id, entry.organization_name) == (society.pk, "湛山书画研究会")
    assert (entry.after["year"], entry.after["income"]) == (today.year - 1, "120000.00")  # amounts as written
    assert entry.after["activities"] == FACTS["activities"]


def test_publishing_venture_results_is_on_record(venture, today):
    funded_project(venture, today)
    call = publish_results(call=venture.call, actor=venture.officer)
    entry = AuditEntry.objects.get(action="venture_call.publish_results")
    assert entry.actor_id == venture.officer.pk
    assert (entry.target_type, entry.target_id) == ("federation.venturecall", str(call.pk))
    assert entry.before == {"results_published_at": None}
    assert entry.after["results_published_at"] is not None
    created = AuditEntry.objects.get(action="venture_call.create")  # the fixture's call
    assert created.actor_id == venture.officer.pk and created.after["budget"] == "100000"
