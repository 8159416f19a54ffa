"""The application state machine: every allowed and refused transition, by each party; the audit
timeline; the effects of approval; nothing the applicant saved is lost when submitting fails."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from audit.models import AuditEntry
from federation.services import add_federation_staff, found_federation
from registry.enums import ApplicationAction as A
from registry.enums import ApplicationKind, OrganizationKind, OrganizationStatus, Role
from registry.enums import ApplicationState as S
from registry.models import (
    Application,
    ApplicationEvent,
    Notification,
    Organization,
    OrganizationAccount,
    OrganizationChange,
)
from registry.selectors.annual_reports import must_report
from registry.services.applications import (
    TRANSITIONS,
    act_on_application,
    allowed_actions,
    attach_material,
    save_draft,
    start_application,
)
from registry.services.organizations import update_organization
from registry.services.roles import link_organization_account
from tests.factories import PDF_BYTES, UserFactory, create_org, file_required_materials, make_uscc

pytestmark = pytest.mark.django_db

FILING = {"name": "盐城路社区书画社", "community": None, "address": "湛山路8号", "legal_representative": "张敏"}
REGISTRATION = {
    "name": "青岛市市南区老年书画研究会",
    "kind": OrganizationKind.SOCIAL_GROUP,
    "category": "public_welfare",
    "address": "湛山路9号",
    "registered_capital": "30000",
    "legal_representative": "王强",
}


@pytest.fixture
def people(tree, make_officer):
    federation = found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会")
    staff = UserFactory(username="federation_staff", email="fed@example.com")
    add_federation_staff(user=staff, federation=federation)
    return {
        "applicant": UserFactory(username="applicant", email="applicant@example.com"),
        "other": UserFactory(username="someone_else"),
        "federation": staff,
        "street": make_officer(Role.STREET_OFFICER, tree.zhanshan, "street"),
        "other_street": make_officer(Role.STREET_OFFICER, tree.badaguan, "other_street"),
        "district": make_officer(Role.DISTRICT_OFFICER, tree.district, "district"),
        "supervisor": make_officer(Role.COMMUNITY_SUPERVISOR, tree.yancheng, "supervisor"),
    }


def filing(tree, people, **proposed):
    return start_application(
        applicant=people["applicant"],
        kind=ApplicationKind.FILING,
        street=tree.zhanshan,
        proposed={**FILING, "community": tree.yancheng.pk, **proposed},
    )


def act(application, action, actor, reason="意见", **extra):
    # The documents are not what these tests are about: file them before the first submission.
    if action == A.SUBMIT and not application.materials.exists():
        file_required_materials(application)
    return act_on_application(application=application, action=action, actor=actor, reason=reason, extra=extra)


def test_a_filing_goes_through_the_federation_the_street_and_gets_a_filing_number(tree, people):
    application = filing(tree, people)
    act(application, A.SUBMIT, people["applicant"])
    assert allowed_actions(people["street"], application.__class__.objects.get(pk=application.pk)) == []
    act(application, A.PRE_REVIEW, people["federation"], "同意，材料齐全")
    act(application, A.ACCEPT, people["street"])
    approved = act(application, A.APPROVE, people["street"], "符合备案条件")

    group = approved.organization
    assert approved.state == S.APPROVED
    assert group.kind == OrganizationKind.COMMUNITY_GROUP and group.status == OrganizationStatus.FILED
    assert group.filing_number == f"市南备字〔{datetime.date.today().year}〕第0001号"
    assert group.community == tree.yancheng
    timeline = list(ApplicationEvent.objects.filter(application=application).values_list("action", "actor__username"))
    assert timeline == [
        (A.SUBMIT, "applicant"),
        (A.PRE_REVIEW, "federation_staff"),
        (A.ACCEPT, "street"),
        (A.APPROVE, "street"),
    ]
    assert ApplicationEvent.objects.get(application=application, action=A.PRE_REVIEW).reason == "同意，材料齐全"


def test_every_step_notifies_the_applicant_in_the_app_and_by_email(tree, people, django_capture_on_commit_callbacks):
    application = filing(tree, people)
    with django_capture_on_commit_callbacks(execute=True):
        act(application, A.SUBMIT, people["applicant"])
    notifications = Notification.objects.filter(user=people["applicant"])
    assert notifications.count() == 1
    assert "已提交" in notifications.get().message
    assert any("已提交" in message.body for message in mail.outbox)


def test_the_street_cannot_skip_the_federations_pre_review(tree, people):
    application = filing(tree, people)
    act(application, A.SUBMIT, people["applicant"])
    with pytest.raises(ValidationError, match="不能“受理”"):
        act(application, A.ACCEPT, people["street"])


def test_without_a_federation_the_street_accepts_directly(tree, people):
    application = start_application(
        applicant=people["applicant"],
        kind=ApplicationKind.FILING,
        street=tree.badaguan,
        proposed={**FILING, "community": tree.taipingjiao.pk},
    )
    act(application, A.SUBMIT, people["applicant"])
    act(application, A.ACCEPT, people["other_street"])
    assert Application.objects.get(pk=application.pk).state == S.ACCEPTED


@pytest.mark.parametrize("who", ["other", "supervisor", "other_street", "federation"])
def test_parties_without_the_right_are_refused_and_nothing_is_recorded(tree, people, who):
    application = filing(tree, people)
    act(application, A.SUBMIT, people["applicant"])
    act(application, A.PRE_REVIEW, people["federation"])
    with pytest.raises(PermissionDenied):
        act(application, A.ACCEPT, people[who])
    assert Application.objects.get(pk=application.pk).state == S.PRE_REVIEWED
    assert ApplicationEvent.objects.filter(application=application).count() == 2


def test_return_for_correction_keeps_the_draft_and_resubmits(tree, people):
    application = filing(tree, people)
    act(application, A.SUBMIT, people["applicant"])
    act(application, A.PRE_REVIEW, people["federation"])
    act(application, A.RETURN, people["street"], "请补充负责人身份证明")
    save_draft(
        application=Application.objects.get(pk=application.pk),
        applicant=people["applicant"],
        proposed={"address": "湛山路10号"},
    )
    act(application, A.SUBMIT, people["applicant"])
    application.refresh_from_db()
    assert application.state == S.SUBMITTED
    assert application.proposed["address"] == "湛山路10号"


@pytest.mark.parametrize("action", [A.RETURN, A.REJECT, A.APPROVE])
def test_decisions_need_a_reason(tree, people, action):
    application = filing(tree, people)
    act(application, A.SUBMIT, people["applicant"])
    act(application, A.PRE_REVIEW, people["federation"])
    act(application, A.ACCEPT, people["street"])
    with pytest.raises(ValidationError, match="请填写理由或意见"):
        act(application, action, people["street"], reason="  ")


def test_a_failed_submit_loses_nothing_the_applicant_saved(tree, people):
    application = filing(tree, people, name="")
    save_draft(application=application, applicant=people["applicant"], proposed={"address": "湛山路12号"})
    with pytest.raises(ValidationError) as error:
        act(application, A.SUBMIT, people["applicant"])
    assert "name" in error.value.message_dict
    application.refresh_from_db()
    assert application.state == S.DRAFT
    assert application.proposed["address"] == "湛山路12号"
    assert application.proposed["legal_representative"] == "张敏"


def test_every_transition_of_the_table_is_allowed_from_its_state_and_refused_elsewhere(tree, people):
    """Walk the table: each action is refused (ValidationError) from every state it is not listed for."""
    listed = {}
    for state, action in TRANSITIONS:
        listed.setdefault(action, set()).add(state)
    for action, states in listed.items():
        for state in set(S.values) - states:
            application = filing(tree, people)
            Application.objects.filter(pk=application.pk).update(state=state)
            application.refresh_from_db()
            with pytest.raises((ValidationError, PermissionDenied)):
                act(application, action, people["street"])
            assert Application.objects.get(pk=application.pk).state == state, (action, state)


def test_withdrawal_by_the_applicant_only_and_not_after_acceptance(tree, people):
    application = filing(tree, people)
    act(application, A.SUBMIT, people["applicant"])
    with pytest.raises(PermissionDenied):
        act(application, A.WITHDRAW, people["street"])
    act(application, A.WITHDRAW, people["applicant"])
    assert Application.objects.get(pk=application.pk).state == S.WITHDRAWN
    second = filing(tree, people)
    act(second, A.SUBMIT, people["applicant"])
    act(second, A.PRE_REVIEW, people["federation"])
    act(second, A.ACCEPT, people["street"])
    with pytest.raises(ValidationError):
        act(second, A.WITHDRAW, people["applicant"])


def test_registration_is_decided_by_the_district_and_needs_a_credit_code(tree, people):
    application = start_application(
        applicant=people["applicant"], kind=ApplicationKind.REGISTRATION, street=tree.zhanshan, proposed=REGISTRATION
    )
    act(application, A.SUBMIT, people["applicant"])
    with pytest.raises(PermissionDenied):
        act(application, A.ACCEPT, people["street"])
    act(application, A.ACCEPT, people["district"])
    with pytest.raises(ValidationError, match="统一社会信用代码"):
        act(application, A.APPROVE, people["district"], "同意")
    code = make_uscc(OrganizationKind.SOCIAL_GROUP)
    approved = act(application, A.APPROVE, people["district"], "同意成立", uscc=code)
    organization = approved.organization
    assert organization.uscc == code and organization.status == OrganizationStatus.ACTIVE
    assert organization.registration_authority == tree.district


def test_change_and_deregistration_update_the_organization_and_keep_its_record(tree, people):
    organization = create_org(street=tree.zhanshan, name="湛山书画研究会")
    link_organization_account(user=people["applicant"], organization=organization)
    with pytest.raises(PermissionDenied):
        start_application(
            applicant=people["other"],
            kind=ApplicationKind.CHANGE,
            street=tree.zhanshan,
            proposed={"address": "x"},
            organization=organization,
        )
    change = start_application(
        applicant=people["applicant"],
        kind=ApplicationKind.CHANGE,
        street=tree.zhanshan,
        proposed={"address": "湛山路99号"},
        organization=organization,
    )
    for action, actor in [(A.SUBMIT, "applicant"), (A.ACCEPT, "district"), (A.APPROVE, "district")]:
        act(change, action, people[actor])
    organization.refresh_from_db()
    assert organization.address == "湛山路99号"
    assert OrganizationChange.objects.get(organization=organization, field="address").source == "变更登记"

    closing = start_application(
        applicant=people["applicant"],
        kind=ApplicationKind.DEREGISTRATION,
        street=tree.zhanshan,
        proposed={"reason": "会员大会决议解散"},
        organization=organization,
    )
    for action, actor in [(A.SUBMIT, "applicant"), (A.ACCEPT, "district"), (A.APPROVE, "district")]:
        act(closing, action, people[actor])
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.DEREGISTERED
    assert Organization.objects.filter(pk=organization.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_filing_numbers_have_no_gap_or_duplicate_when_approved_concurrently(tree, people):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so approvals cannot race for the row lock")
    applications = []
    for index in range(8):
        application = filing(tree, people, name=f"盐城路社区兴趣小组{index}")
        for action, actor in [(A.SUBMIT, "applicant"), (A.PRE_REVIEW, "federation"), (A.ACCEPT, "street")]:
            act(application, action, people[actor])
        applications.append(application)
    start = threading.Barrier(len(applications))
    errors = []

    def approve(application):
        try:
            start.wait()
            act(application, A.APPROVE, people["street"], "同意")
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    numbers = sorted(
        Organization.objects.filter(kind=OrganizationKind.COMMUNITY_GROUP).values_list("filing_number", flat=True)
    )
    year = datetime.date.today().year
    assert numbers == [f"市南备字〔{year}〕第{n:04d}号" for n in range(1, 9)]


@pytest.mark.parametrize(("state", "action"), list(TRANSITIONS))
def test_each_transition_of_the_table_is_allowed_to_its_party(tree, people, state, action):
    transition = TRANSITIONS[(state, action)]
    via_federation = action == A.PRE_REVIEW or state == S.PRE_REVIEWED
    street, community = (tree.zhanshan, tree.yancheng) if via_federation else (tree.badaguan, tree.taipingjiao)
    application = start_application(
        applicant=people["applicant"],
        kind=ApplicationKind.FILING,
        street=street,
        proposed={**FILING, "community": community.pk},
    )
    Application.objects.filter(pk=application.pk).update(state=state)
    party = {
        "applicant": "applicant",
        "federation": "federation",
        "decider": "street" if via_federation else "other_street",
        # The first to examine it: the federation of a street that has one, else the street office.
        "reviewer": "federation" if via_federation else "other_street",
    }
    actor = people[party[transition.party]]
    application.refresh_from_db()
    assert action in allowed_actions(actor, application)
    act(application, action, actor, "理由")
    event = ApplicationEvent.objects.get(application=application)
    assert (event.from_state, event.to_state, event.actor) == (state, transition.to_state, actor)
    assert Application.objects.get(pk=application.pk).state == transition.to_state


def test_the_officers_queue_and_the_admin_actions(client, tree, people):
    application = filing(tree, people)
    act(application, A.SUBMIT, people["applicant"])
    act(application, A.PRE_REVIEW, people["federation"])
    client.force_login(people["street"])
    queue = client.get(reverse("applications:index"))
    assert [a.pk for a in queue.context["object_list"]] == [application.pk]
    page = client.get(reverse("applications:inspect", args=[application.pk]))
    assert "联合会预审通过" in page.content.decode()
    assert 'value="accept"' in page.content.decode()
    client.post(reverse("registry_application_act", args=[application.pk]), {"action": "accept"})
    refused = client.post(
        reverse("registry_application_act", args=[application.pk]), {"action": "approve"}, follow=True
    )
    assert "请填写理由或意见" in refused.content.decode()
    client.post(reverse("registry_application_act", args=[application.pk]), {"action": "approve", "reason": "同意"})
    assert Application.objects.get(pk=application.pk).state == S.APPROVED
    assert client.get(reverse("applications:index")).context["object_list"].count() == 0


def test_another_streets_officer_sees_no_application_of_this_street(client, tree, people):
    application = filing(tree, people)
    act(application, A.SUBMIT, people["applicant"])
    client.force_login(people["other_street"])
    assert client.get(reverse("applications:index")).context["object_list"].count() == 0
    assert client.get(reverse("applications:inspect", args=[application.pk])).status_code == 404
    response = client.post(reverse("registry_application_act", args=[application.pk]), {"action": "accept"})
    assert response.status_code == 404
    assert Application.objects.get(pk=application.pk).state == S.SUBMITTED


def test_submitting_without_the_required_documents_is_refused_naming_them(tree, people):
    application = filing(tree, people)
    with pytest.raises(ValidationError, match="还缺少必需的申请材料：章程、成员名单、负责人身份证明"):
        act_on_application(application=application, action=A.SUBMIT, actor=people["applicant"])
    assert Application.objects.get(pk=application.pk).state == S.DRAFT
    assert not application.events.exists()


# --- who sees an application ------------------------------------------------------------------------


def registration(tree, people, **proposed):
    return start_application(
        applicant=people["applicant"],
        kind=ApplicationKind.REGISTRATION,
        street=tree.zhanshan,
        proposed={
            **REGISTRATION,
            "legal_representative_id_number": "370202198001010010",
            "legal_representative_phone": "13800000000",
            **proposed,
        },
    )


def test_a_draft_is_in_nobodys_queue_and_federation_staff_never_see_a_registration(client, tree, people):
    draft = registration(tree, people)
    submitted = registration(tree, people, name="青岛市市南区书法家协会")
    act(submitted, A.SUBMIT, people["applicant"])
    client.force_login(people["district"])
    assert [a.pk for a in client.get(reverse("applications:index")).context["object_list"]] == [submitted.pk]
    assert client.get(reverse("applications:inspect", args=[draft.pk])).status_code == 404
    client.force_login(people["federation"])
    assert client.get(reverse("applications:index")).context["object_list"].count() == 0
    for application in (draft, submitted):
        assert client.get(reverse("applications:inspect", args=[application.pk])).status_code == 404


def test_the_deciding_officers_read_the_representatives_id_number_and_phone_in_clear(client, tree, people):
    # Issue 9: the registration officers read them in clear, and each view is audited
    # (tests/registry/test_personal_data.py covers who reads them masked).
    application = registration(tree, people)
    act(application, A.SUBMIT, people["applicant"])
    client.force_login(people["district"])
    page = client.get(reverse("applications:inspect", args=[application.pk])).content.decode()
    assert "13800000000" in page and "370202198001010010" in page
    assert AuditEntry.objects.filter(action="personal_data.view", actor_id=people["district"].pk).count() == 1


# --- an applicant who no longer acts for the organization ------------------------------------------


@pytest.mark.parametrize(
    ("kind", "proposed"),
    [(ApplicationKind.CHANGE, {"address": "湛山路99号"}), (ApplicationKind.DEREGISTRATION, {"reason": "解散"})],
)
def test_a_former_account_no_longer_acts_on_its_old_organizations_application(client, tree, people, kind, proposed):
    organization = create_org(street=tree.zhanshan, name="湛山书画研究会")
    link_organization_account(user=people["applicant"], organization=organization)
    application = start_application(
        applicant=people["applicant"], kind=kind, street=tree.zhanshan, proposed=proposed, organization=organization
    )
    file_required_materials(application)
    OrganizationAccount.objects.filter(user=people["applicant"]).delete()
    link_organization_account(user=people["applicant"], organization=create_org(street=tree.zhanshan))
    applicant = people["applicant"]

    with pytest.raises(PermissionDenied):
        act(application, A.SUBMIT, applicant)
    with pytest.raises(PermissionDenied):
        save_draft(application=application, applicant=applicant, proposed={"reason": "另有原因"})
    with pytest.raises(PermissionDenied):
        attach_material(
            application=application, actor=applicant, kind="other", upload=SimpleUploadedFile("a.pdf", PDF_BYTES)
        )
    assert allowed_actions(applicant, application) == []
    assert Application.objects.get(pk=application.pk).state == S.DRAFT
    client.force_login(applicant)
    assert client.get(f"/account/applications/{application.pk}/").status_code == 404
    assert str(organization.name) not in client.get("/account/").content.decode()


# --- a change and a deregistration of the same organization -----------------------------------------


@pytest.fixture
def society(tree, people):
    organization = create_org(street=tree.zhanshan, name="湛山书画研究会", address="湛山路8号")
    link_organization_account(user=people["applicant"], organization=organization)
    return organization


def change_of(society, people, tree):
    return start_application(
        applicant=people["applicant"],
        kind=ApplicationKind.CHANGE,
        street=tree.zhanshan,
        proposed={"address": "湛山路99号"},
        organization=society,
    )


def test_approving_the_deregistration_first_refuses_the_change(tree, people, society):
    change = change_of(society, people, tree)
    closing = start_application(
        applicant=people["applicant"],
        kind=ApplicationKind.DEREGISTRATION,
        street=tree.zhanshan,
        proposed={"reason": "会员大会决议解散"},
        organization=society,
    )
    for application in (change, closing):
        act(application, A.SUBMIT, people["applicant"])
        act(application, A.ACCEPT, people["district"])
    act(closing, A.APPROVE, people["district"], "同意注销")
    with pytest.raises(ValidationError, match="该组织的状态为“已注销”，不能再受理或批准它的申请"):
        act(change, A.APPROVE, people["district"], "同意")
    society.refresh_from_db()
    assert society.status == OrganizationStatus.DEREGISTERED and society.address == "湛山路8号"
    assert Application.objects.get(pk=change.pk).state == S.ACCEPTED
    act(change, A.REJECT, people["district"], "组织已注销")  # what is left to do with it
    assert Application.objects.get(pk=change.pk).state == S.REJECTED


@pytest.mark.parametrize("status", [OrganizationStatus.REVOKED, OrganizationStatus.LAPSED])
def test_a_change_of_an_organization_closed_meanwhile_is_neither_submitted_nor_accepted(tree, people, society, status):
    draft, waiting = change_of(society, people, tree), change_of(society, people, tree)
    act(waiting, A.SUBMIT, people["applicant"])
    update_organization(organization=society, actor=people["district"], data={"status": status}, source="测试")
    with pytest.raises(ValidationError, match="不能再提出申请"):
        act(draft, A.SUBMIT, people["applicant"])
    with pytest.raises(ValidationError, match="不能再受理或批准它的申请"):
        act(waiting, A.ACCEPT, people["district"])
    assert [Application.objects.get(pk=a.pk).state for a in (draft, waiting)] == [S.DRAFT, S.SUBMITTED]


# --- the founding date --------------------------------------------------------------------------------


def test_a_registration_without_a_founding_date_is_founded_on_its_approval(tree, people, monkeypatch):
    """Approved in November: less than six months before 31 December, so no report on that year."""
    approval_day = datetime.date(2026, 11, 20)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: approval_day)
    application = registration(tree, people)
    for action in (A.SUBMIT, A.ACCEPT):
        act(application, action, people["district"] if action == A.ACCEPT else people["applicant"])
    organization = act(application, A.APPROVE, people["district"], "同意", uscc=make_uscc()).organization
    assert Organization.objects.get(pk=organization.pk).founded_on == approval_day
    assert not must_report(organization, 2026)
    assert must_report(organization, 2027)


def test_a_filing_without_a_founding_date_is_founded_on_its_filing(tree, people):
    application = filing(tree, people)
    act(application, A.SUBMIT, people["applicant"])
    act(application, A.PRE_REVIEW, people["federation"])
    act(application, A.ACCEPT, people["street"])
    group = act(application, A.APPROVE, people["street"], "同意").organization
    assert Organization.objects.get(pk=group.pk).founded_on == datetime.date.today()
