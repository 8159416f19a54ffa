"""Overdue annual reports feed the abnormal list through proposals (DESIGN.md sections 6 and 7):
the daily review proposes, once per missed deadline, and an officer who manages the organization
confirms (a real listing) or dismisses with a reason; both audited. Proposals are not public."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEntry
from portal.site_structure import ensure_site_pages
from registry.enums import (
    CreditList,
    CreditProposalStatus,
    ListingCause,
    OrganizationKind,
    OrganizationStatus,
    Role,
)
from registry.models import CreditListing, CreditProposal, Organization, OrganizationChange
from registry.selectors.annual_reports import must_report, must_report_filter
from registry.selectors.credit import overdue_annual_report_organizations
from registry.services.annual_reports import (
    return_annual_report,
    save_annual_report_draft,
    set_annual_report_result,
    submit_annual_report,
)
from registry.services.credit import (
    confirm_credit_proposal,
    dismiss_credit_proposal,
    list_organization,
    propose_listing,
    remove_listing,
    review_credit_lists,
)
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

REPORT_FACTS = {
    "income": Decimal("1000.00"),
    "expenditure": Decimal("800.00"),
    "net_assets": Decimal("200.00"),
    "staff": 1,
    "volunteers": 5,
    "activities": "开展志愿服务。",
}
GRACE_END_2025 = datetime.date(2026, 6, 30)  # the report on 2025 was due on 31 May 2026, plus 30 days
DAY_AFTER_GRACE = GRACE_END_2025 + datetime.timedelta(days=1)
DECIDED_ON = datetime.date(2026, 7, 6)


@pytest.fixture
def officer(make_officer, tree):
    return make_officer(Role.DISTRICT_OFFICER, tree.district)


@pytest.fixture
def new_org(tree):
    """Founded in the first half of 2025: its report on 2025 is its only one due by mid-2026."""
    return create_org(street=tree.zhanshan, name="湛山志愿者协会", founded_on=datetime.date(2025, 3, 1))


@pytest.fixture
def proposal(new_org):
    review_credit_lists(today=DAY_AFTER_GRACE)
    return CreditProposal.objects.get(organization=new_org)


def account_of(org):
    user = UserFactory()
    link_organization_account(user=user, organization=org)
    return user


def file_report(org, year):
    return submit_annual_report(organization=org, actor=account_of(org), year=year, **REPORT_FACTS)


def current_listings(org):
    return CreditListing.objects.filter(organization=org, removed_on__isnull=True)


def proposed(today) -> int:
    return review_credit_lists(today=today)["proposed_for_missed_reports"]


# --- The review proposes ----------------------------------------------------------------------------


def test_an_overdue_report_is_proposed_once_the_grace_period_has_passed_and_nothing_is_listed(new_org):
    assert proposed(GRACE_END_2025) == 0
    assert not CreditProposal.objects.exists()

    counts = review_credit_lists(today=DAY_AFTER_GRACE)
    assert counts == {"moved_to_serious": 0, "removed_from_serious": 0, "proposed_for_missed_reports": 1}
    proposal = CreditProposal.objects.get()
    assert (proposal.organization, proposal.cause, proposal.proposed_on, proposal.status) == (
        new_org,
        ListingCause.MISSED_ANNUAL_REPORT,
        DAY_AFTER_GRACE,
        CreditProposalStatus.OPEN,
    )
    assert proposal.details == "2025年度的年度报告逾期未报送（截止日期后宽限30天）"
    assert proposal.listing is None and proposal.decided_by is None
    # A proposal is not a listing: the organization stays active until an officer confirms.
    assert not CreditListing.objects.exists()
    new_org.refresh_from_db()
    assert new_org.status == OrganizationStatus.ACTIVE
    entry = AuditEntry.objects.get(action="credit.propose")
    assert entry.actor_id is None and entry.organization_id == new_org.pk


def test_the_grace_period_is_a_setting(new_org, settings):
    settings.REGISTRY_ANNUAL_REPORT_GRACE_DAYS = 10
    assert proposed(datetime.date(2026, 6, 10)) == 0
    assert proposed(datetime.date(2026, 6, 11)) == 1


def test_a_submitted_report_keeps_the_organization_from_being_proposed(new_org):
    file_report(new_org, 2025)
    assert proposed(DAY_AFTER_GRACE) == 0


def test_a_checked_report_keeps_the_organization_from_being_proposed(new_org, officer):
    report = file_report(new_org, 2025)
    set_annual_report_result(report=report, actor=officer, result="pass", reason="材料齐全")
    assert proposed(DAY_AFTER_GRACE) == 0


def test_a_draft_is_not_a_filed_report(new_org):
    save_annual_report_draft(organization=new_org, actor=account_of(new_org), year=2025, income=Decimal("10"))
    assert proposed(DAY_AFTER_GRACE) == 1


def test_a_report_returned_for_correction_is_not_a_filed_report(new_org, officer):
    report = file_report(new_org, 2025)
    return_annual_report(report=report, actor=officer, reason="请补充活动情况")
    assert proposed(DAY_AFTER_GRACE) == 1


def test_community_groups_and_a_first_year_under_six_months_are_exempt(tree):
    create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, founded_on=datetime.date(2020, 1, 1))
    late = create_org(street=tree.zhanshan, founded_on=datetime.date(2025, 7, 1))
    assert proposed(DAY_AFTER_GRACE) == 0
    # Its second year is due like any other.
    assert list(overdue_annual_report_organizations(datetime.date(2027, 7, 1))) == [late]


def test_no_second_proposal_while_one_is_open_even_when_another_year_falls_due(proposal, new_org):
    assert proposed(DAY_AFTER_GRACE + datetime.timedelta(days=1)) == 0
    assert proposed(datetime.date(2027, 7, 1)) == 0  # 2026 is overdue too, but 2025's proposal is open
    assert CreditProposal.objects.count() == 1
    with pytest.raises(ValidationError):
        propose_listing(
            organization=new_org, cause=ListingCause.MISSED_ANNUAL_REPORT, details="x", proposed_on=DAY_AFTER_GRACE
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditProposal.objects.create(
            organization=new_org, cause=ListingCause.MISSED_ANNUAL_REPORT, proposed_on=DAY_AFTER_GRACE
        )


def test_a_dismissal_is_not_undone_for_the_same_deadline_but_the_next_deadline_proposes_again(
    proposal, new_org, officer
):
    dismiss_credit_proposal(proposal=proposal, actor=officer, reason="已核实暂停活动情况", on=DECIDED_ON)
    assert proposed(DECIDED_ON + datetime.timedelta(days=1)) == 0
    assert proposed(datetime.date(2027, 7, 1)) == 1
    newest = CreditProposal.objects.get(status=CreditProposalStatus.OPEN)
    assert newest.details.startswith("2026年度")


def test_a_removed_listing_for_a_missed_report_is_not_proposed_again_for_the_same_deadline(proposal, new_org, officer):
    listing = confirm_credit_proposal(proposal=proposal, actor=officer, on=DECIDED_ON)
    remove_listing(listing=listing, actor=officer, reason="已补报", on=datetime.date(2026, 7, 10))
    assert proposed(datetime.date(2026, 7, 11)) == 0


def test_an_organization_already_on_a_list_is_not_proposed(new_org, officer):
    list_organization(
        organization=new_org,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.UNREACHABLE,
        listed_on=datetime.date(2026, 1, 5),
        actor=officer,
    )
    assert proposed(DAY_AFTER_GRACE) == 0
    with pytest.raises(ValidationError):
        propose_listing(
            organization=new_org, cause=ListingCause.MISSED_ANNUAL_REPORT, details="x", proposed_on=DAY_AFTER_GRACE
        )


def test_the_two_year_moves_stay_automatic(new_org, officer):
    list_organization(
        organization=new_org,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.UNREACHABLE,
        listed_on=datetime.date(2024, 7, 1),
        actor=officer,
    )
    assert review_credit_lists(today=datetime.date(2026, 7, 1))["moved_to_serious"] == 1
    assert current_listings(new_org).get().list == CreditList.SERIOUS_VIOLATION
    assert not CreditProposal.objects.exists()


def test_overdue_years_are_those_of_the_filing_window_without_a_report(tree):
    org = create_org(street=tree.zhanshan, founded_on=datetime.date(2010, 1, 1))
    file_report(org, 2023)
    overdue = overdue_annual_report_organizations(datetime.date(2026, 7, 1)).get()
    # The window is the last five years (2021-2025); 2020 and before are left out.
    assert overdue.overdue_years.split() == ["2021", "2022", "2024", "2025"]


def test_overdue_organizations_are_found_in_one_query(tree, django_assert_num_queries):
    for number in range(5):
        create_org(street=tree.zhanshan, founded_on=datetime.date(2024, 1, number + 1))
    create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP)
    with django_assert_num_queries(1):
        assert len(overdue_annual_report_organizations(DAY_AFTER_GRACE)) == 5


@pytest.mark.parametrize(
    "founded_on",
    [
        None,
        datetime.date(2024, 12, 31),
        datetime.date(2025, 6, 30),
        datetime.date(2025, 7, 1),
        datetime.date(2026, 1, 1),
    ],
)
def test_the_query_form_of_who_must_report_agrees_with_must_report(tree, founded_on):
    org = create_org(street=tree.zhanshan, founded_on=founded_on)
    assert Organization.objects.filter(must_report_filter(2025), pk=org.pk).exists() == must_report(org, 2025)


# --- An officer decides -----------------------------------------------------------------------------


def test_confirming_lists_the_organization_as_list_organization_does(proposal, new_org, officer):
    listing = confirm_credit_proposal(proposal=proposal, actor=officer, on=DECIDED_ON, reason="经电话核实")
    assert (listing.list, listing.cause, listing.listed_on, listing.listed_by, listing.details) == (
        CreditList.ABNORMAL_ACTIVITY,
        ListingCause.MISSED_ANNUAL_REPORT,
        DECIDED_ON,
        officer,
        proposal.details,
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.listing, proposal.decided_by, proposal.decided_on) == (
        CreditProposalStatus.CONFIRMED,
        listing,
        officer,
        DECIDED_ON,
    )
    assert proposal.decision_reason == "经电话核实"
    new_org.refresh_from_db()
    assert new_org.status == OrganizationStatus.ABNORMAL
    change = OrganizationChange.objects.get(organization=new_org, field="status")
    assert (change.old_value, change.new_value, change.changed_by) == ("正常", "活动异常", officer)
    confirmed = AuditEntry.objects.get(action="credit.proposal_confirm")
    assert confirmed.actor_id == officer.pk and confirmed.reason == "经电话核实"
    assert AuditEntry.objects.filter(action="credit.list", actor_id=officer.pk).count() == 1


def test_dismissing_needs_a_reason_and_lists_nothing(proposal, new_org, officer):
    with pytest.raises(ValidationError) as error:
        dismiss_credit_proposal(proposal=proposal, actor=officer, reason="  ", on=DECIDED_ON)
    assert error.value.message_dict["decision_reason"] == ["请填写不予列入的理由。"]
    assert CreditProposal.objects.get().status == CreditProposalStatus.OPEN

    dismiss_credit_proposal(proposal=proposal, actor=officer, reason="该组织已于6月补报", on=DECIDED_ON)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_reason, proposal.decided_by, proposal.listing) == (
        CreditProposalStatus.DISMISSED,
        "该组织已于6月补报",
        officer,
        None,
    )
    assert not CreditListing.objects.exists()
    assert Organization.objects.get(pk=new_org.pk).status == OrganizationStatus.ACTIVE
    entry = AuditEntry.objects.get(action="credit.proposal_dismiss")
    assert entry.actor_id == officer.pk and entry.reason == "该组织已于6月补报"


@pytest.mark.parametrize("first", ["confirm", "dismiss"])
def test_a_decided_proposal_cannot_be_decided_again(proposal, officer, first):
    if first == "confirm":
        confirm_credit_proposal(proposal=proposal, actor=officer, on=DECIDED_ON)
    else:
        dismiss_credit_proposal(proposal=proposal, actor=officer, reason="已补报", on=DECIDED_ON)
    with pytest.raises(ValidationError, match="已处理"):
        confirm_credit_proposal(proposal=proposal, actor=officer, on=DECIDED_ON)
    with pytest.raises(ValidationError, match="已处理"):
        dismiss_credit_proposal(proposal=proposal, actor=officer, reason="x", on=DECIDED_ON)
    assert CreditListing.objects.count() == (1 if first == "confirm" else 0)


def test_only_an_officer_who_manages_the_organization_decides(proposal, make_officer, tree):
    other_street = make_officer(Role.STREET_OFFICER, tree.badaguan)
    for actor in (other_street, None):
        with pytest.raises(ValidationError):
            confirm_credit_proposal(proposal=proposal, actor=actor, on=DECIDED_ON)
        with pytest.raises(ValidationError):
            dismiss_credit_proposal(proposal=proposal, actor=actor, reason="x", on=DECIDED_ON)
    assert CreditProposal.objects.get().status == CreditProposalStatus.OPEN
    assert not CreditListing.objects.exists()


def test_the_decision_date_cannot_precede_the_proposal(proposal, officer):
    with pytest.raises(ValidationError) as error:
        confirm_credit_proposal(proposal=proposal, actor=officer, on=DAY_AFTER_GRACE - datetime.timedelta(days=1))
    assert "decided_on" in error.value.message_dict
    assert not CreditListing.objects.exists()


def test_confirming_is_refused_cleanly_when_the_organization_was_listed_meanwhile(proposal, new_org, officer):
    list_organization(
        organization=new_org,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.UNREACHABLE,
        listed_on=datetime.date(2026, 7, 3),
        actor=officer,
    )
    with pytest.raises(ValidationError) as error:
        confirm_credit_proposal(proposal=proposal, actor=officer, on=DECIDED_ON)
    assert error.value.message_dict["list"] == ["该组织已在此名录中，不能重复列入。"]
    assert CreditProposal.objects.get().status == CreditProposalStatus.OPEN
    assert CreditListing.objects.count() == 1


# --- The back office and the public page ------------------------------------------------------------


def test_the_queue_shows_open_proposals_in_the_officers_scope(client, tree, officer, make_officer, proposal):
    elsewhere = create_org(street=tree.badaguan, name="八大关摄影协会", founded_on=datetime.date(2025, 3, 1))
    decided = create_org(street=tree.zhanshan, name="湛山书画研究会", founded_on=datetime.date(2025, 3, 1))
    review_credit_lists(today=DAY_AFTER_GRACE)
    dismiss_credit_proposal(
        proposal=CreditProposal.objects.get(organization=decided), actor=officer, reason="已补报", on=DECIDED_ON
    )
    assert CreditProposal.objects.filter(organization=elsewhere).exists()

    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    response = client.get(reverse("credit_proposals:index"))
    assert response.status_code == 200
    assert [item.organization.name for item in response.context["object_list"]] == ["湛山志愿者协会"]
    everything = client.get(reverse("credit_proposals:index") + "?all=1")
    assert {item.organization.name for item in everything.context["object_list"]} == {
        "湛山志愿者协会",
        "湛山书画研究会",
    }


def test_an_officer_confirms_on_the_proposal_page(client, officer, proposal, new_org):
    client.force_login(officer)
    url = reverse("credit_proposals:inspect", args=[proposal.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "确认列入活动异常名录" in html and "不予列入" in html
    assert "2025年度的年度报告仍未报送" in html

    response = client.post(url, {"form": "confirm", "confirm-decided_on": "2026-07-06", "confirm-decision_reason": ""})
    assert response.status_code == 302
    listing = current_listings(new_org).get()
    assert (listing.listed_on, listing.listed_by) == (DECIDED_ON, officer)
    assert CreditProposal.objects.get().listing == listing


def test_a_dismissal_without_a_reason_comes_back_with_the_error_and_changes_nothing(client, officer, proposal):
    client.force_login(officer)
    url = reverse("credit_proposals:inspect", args=[proposal.pk])
    response = client.post(url, {"form": "dismiss", "dismiss-decided_on": "2026-07-06", "dismiss-decision_reason": ""})
    assert response.status_code == 200
    assert "请填写不予列入的理由。" in response.content.decode()
    assert CreditProposal.objects.get().status == CreditProposalStatus.OPEN

    response = client.post(
        url, {"form": "dismiss", "dismiss-decided_on": "2026-07-01", "dismiss-decision_reason": "已补报"}
    )
    assert response.status_code == 302
    assert CreditProposal.objects.get().status == CreditProposalStatus.DISMISSED


def test_a_bad_date_on_the_proposal_page_is_a_message_not_an_error(client, officer, proposal):
    client.force_login(officer)
    url = reverse("credit_proposals:inspect", args=[proposal.pk])
    response = client.post(url, {"form": "confirm", "confirm-decided_on": "2026-06-01"})
    assert response.status_code == 200
    assert "处理日期不能早于建议提出日期。" in response.content.decode()
    response = client.post(url, {"form": "confirm", "confirm-decided_on": "not a date"})
    assert response.status_code == 200
    assert "请填写有效的日期。" in response.content.decode()
    assert not CreditListing.objects.exists()


def test_a_street_officer_reads_a_proposal_but_does_not_decide(client, tree, make_officer, proposal):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    url = reverse("credit_proposals:inspect", args=[proposal.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "确认列入活动异常名录" not in page.content.decode()
    response = client.post(url, {"form": "confirm", "confirm-decided_on": "2026-07-06"})
    # Refused as Wagtail refuses: a 403, or back to the dashboard with a message.
    assert response.status_code == 403 or (response.status_code == 302 and response.url == reverse("wagtailadmin_home"))
    assert CreditProposal.objects.get().status == CreditProposalStatus.OPEN


def test_another_streets_proposal_is_not_found(client, tree, make_officer, proposal):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.badaguan))
    url = reverse("credit_proposals:inspect", args=[proposal.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"form": "dismiss", "dismiss-decision_reason": "x"}).status_code == 404


def test_proposals_are_not_public(client, proposal, new_org):
    ensure_site_pages()
    html = client.get(f"/directory/{new_org.uscc}/").content.decode()
    assert "未被列入活动异常名录或严重违法失信名单" in html
    assert proposal.details not in html
