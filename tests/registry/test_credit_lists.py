"""Credit lists and penalties (DESIGN.md section 6): listing and removal through the services,
the two-year moves of the daily review, overdue annual reports listed by the review, the public
page and the scoped back office."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.site_structure import ensure_site_pages
from registry.enums import CreditList, ListingCause, OrganizationKind, OrganizationStatus, PenaltyKind, Role
from registry.models import CreditListing, Organization, OrganizationChange
from registry.selectors.annual_reports import must_report, must_report_filter
from registry.selectors.credit import overdue_annual_report_organizations
from registry.services.annual_reports import submit_annual_report
from registry.services.credit import (
    CLEAN_YEARS_REASON,
    list_organization,
    move_to_serious_list,
    record_penalty,
    remove_listing,
    review_credit_lists,
)
from registry.services.roles import link_organization_account
from registry.tasks import review_credit_lists_task
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

LISTED_ON = datetime.date(2024, 3, 1)
TWO_YEARS_LATER = datetime.date(2026, 3, 1)
FOUR_YEARS_LATER = datetime.date(2028, 3, 1)


@pytest.fixture
def officer(make_officer, tree):
    return make_officer(Role.DISTRICT_OFFICER, tree.district)


@pytest.fixture
def org(tree):
    return create_org(street=tree.zhanshan, name="湛山书画研究会")


def list_abnormal(org, officer, on=LISTED_ON, cause=ListingCause.UNREACHABLE):
    return list_organization(
        organization=org, credit_list=CreditList.ABNORMAL_ACTIVITY, cause=cause, listed_on=on, actor=officer
    )


def current(org, credit_list):
    return CreditListing.objects.filter(organization=org, list=credit_list, removed_on__isnull=True)


def test_listing_on_the_abnormal_list_makes_the_organization_abnormal_with_history(org, officer):
    listing = list_abnormal(org, officer)
    org.refresh_from_db()
    assert org.status == OrganizationStatus.ABNORMAL
    assert listing.listed_by == officer and listing.is_current
    change = OrganizationChange.objects.get(organization=org, field="status")
    assert (change.old_value, change.new_value, change.changed_by) == ("正常", "活动异常", officer)


def test_one_current_listing_per_list_in_the_service_and_the_database(org, officer):
    list_abnormal(org, officer)
    with pytest.raises(ValidationError) as error:
        list_abnormal(org, officer, on=datetime.date(2024, 4, 1))
    assert error.value.message_dict["list"] == ["该组织已在此名录中，不能重复列入。"]
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditListing.objects.create(
            organization=org,
            list=CreditList.ABNORMAL_ACTIVITY,
            cause=ListingCause.OTHER,
            listed_on=LISTED_ON,
        )


def test_removal_needs_a_reason_and_restores_active(org, officer):
    listing = list_abnormal(org, officer)
    with pytest.raises(ValidationError) as error:
        remove_listing(listing=listing, actor=officer, reason="  ", on=datetime.date(2024, 5, 1))
    assert "removal_reason" in error.value.message_dict
    remove_listing(listing=listing, actor=officer, reason="已恢复联系", on=datetime.date(2024, 5, 1))
    listing.refresh_from_db()
    org.refresh_from_db()
    assert (listing.removed_on, listing.removal_reason, listing.removed_by) == (
        datetime.date(2024, 5, 1),
        "已恢复联系",
        officer,
    )
    assert org.status == OrganizationStatus.ACTIVE
    # Off the list, the organization may be listed again.
    list_abnormal(org, officer, on=datetime.date(2024, 6, 1))


def test_removal_date_cannot_precede_listing(org, officer):
    listing = list_abnormal(org, officer)
    with pytest.raises(ValidationError):
        remove_listing(listing=listing, actor=officer, reason="已恢复联系", on=datetime.date(2024, 2, 1))


def test_moving_needs_two_full_years(org, officer):
    listing = list_abnormal(org, officer)
    with pytest.raises(ValidationError):
        move_to_serious_list(listing=listing, actor=officer, on=TWO_YEARS_LATER - datetime.timedelta(days=1))
    serious = move_to_serious_list(listing=listing, actor=officer, on=TWO_YEARS_LATER)
    assert serious.list == CreditList.SERIOUS_VIOLATION


def test_review_moves_abnormal_listings_after_two_years_only(org, officer):
    listing = list_abnormal(org, officer)
    assert review_credit_lists(today=TWO_YEARS_LATER - datetime.timedelta(days=1))["moved_to_serious"] == 0
    assert current(org, CreditList.ABNORMAL_ACTIVITY).exists()

    counts = review_credit_lists(today=TWO_YEARS_LATER)
    assert counts == {"moved_to_serious": 1, "removed_from_serious": 0, "overdue_annual_reports": 0}
    listing.refresh_from_db()
    serious = current(org, CreditList.SERIOUS_VIOLATION).get()
    assert listing.removed_on == TWO_YEARS_LATER and listing.moved_to == serious
    assert listing.removal_reason
    assert (serious.cause, serious.listed_on, serious.listed_by) == (
        ListingCause.MOVED_FROM_ABNORMAL,
        TWO_YEARS_LATER,
        None,
    )
    assert "2024-03-01" in serious.details and "通过登记的住所无法联系" in serious.details
    org.refresh_from_db()
    assert org.status == OrganizationStatus.ABNORMAL  # still on a credit list


def test_review_removes_serious_listings_after_two_clean_years(org, officer):
    list_abnormal(org, officer)
    review_credit_lists(today=TWO_YEARS_LATER)
    assert review_credit_lists(today=FOUR_YEARS_LATER - datetime.timedelta(days=1))["removed_from_serious"] == 0

    assert review_credit_lists(today=FOUR_YEARS_LATER)["removed_from_serious"] == 1
    serious = CreditListing.objects.get(organization=org, list=CreditList.SERIOUS_VIOLATION)
    assert (serious.removed_on, serious.removal_reason) == (FOUR_YEARS_LATER, CLEAN_YEARS_REASON)
    org.refresh_from_db()
    assert org.status == OrganizationStatus.ACTIVE


def test_review_keeps_a_serious_listing_when_a_penalty_came_since(org, officer):
    list_abnormal(org, officer)
    review_credit_lists(today=TWO_YEARS_LATER)
    record_penalty(
        organization=org,
        kind=PenaltyKind.WARNING,
        decided_on=datetime.date(2027, 1, 10),
        decision_number="青南民罚〔2027〕1号",
        reason="未按规定开展活动",
        actor=officer,
    )
    assert review_credit_lists(today=FOUR_YEARS_LATER)["removed_from_serious"] == 0
    assert current(org, CreditList.SERIOUS_VIOLATION).exists()


def test_a_fine_needs_an_amount(org, officer):
    facts = {
        "organization": org,
        "kind": PenaltyKind.FINE,
        "decided_on": datetime.date(2025, 1, 10),
        "decision_number": "青南民罚〔2025〕2号",
        "reason": "违规收费",
        "actor": officer,
    }
    with pytest.raises(ValidationError) as error:
        record_penalty(**facts)
    assert "amount" in error.value.message_dict
    penalty = record_penalty(**facts, amount=Decimal("5000"))
    assert penalty.amount == Decimal("5000")


def test_a_street_officer_of_another_street_cannot_list(org, make_officer, tree):
    other_street = make_officer(Role.STREET_OFFICER, tree.badaguan)
    with pytest.raises(ValidationError) as error:
        list_abnormal(org, other_street)
    assert "organization" in error.value.message_dict
    assert not CreditListing.objects.exists()
    assert Organization.objects.get(pk=org.pk).status == OrganizationStatus.ACTIVE


def test_the_command_prints_the_counts(org, officer):
    list_abnormal(org, officer)
    out = io.StringIO()
    call_command("review_credit_lists", "--date", "2026-03-01", stdout=out)
    assert "moved_to_serious: 1" in out.getvalue()
    assert "removed_from_serious: 0" in out.getvalue()


def test_the_task_runs_the_review(org, officer):
    list_abnormal(org, officer)
    result = review_credit_lists_task.enqueue("2026-03-01")
    assert result.return_value["moved_to_serious"] == 1


def test_the_public_page_shows_listings_and_penalties(client, org, officer):
    ensure_site_pages()
    listing = list_abnormal(org, officer)
    remove_listing(listing=listing, actor=officer, reason="已恢复联系", on=datetime.date(2024, 5, 1))
    record_penalty(
        organization=org,
        kind=PenaltyKind.WARNING,
        decided_on=datetime.date(2025, 1, 10),
        decision_number="青南民罚〔2025〕3号",
        reason="内部事由",
        actor=officer,
    )
    html = client.get(f"/directory/{org.uscc}/").content.decode()
    assert "信用信息" in html
    assert "活动异常名录" in html and "通过登记的住所无法联系" in html
    assert "2024-03-01" in html and "2024-05-01" in html and "已恢复联系" in html
    assert "警告" in html and "青南民罚〔2025〕3号" in html


def test_a_street_officers_admin_list_shows_only_its_street(client, tree, org, officer, make_officer):
    elsewhere = create_org(street=tree.badaguan, name="八大关摄影协会")
    list_abnormal(org, officer)
    list_abnormal(elsewhere, officer)
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    response = client.get(reverse("credit_listings:index"))
    assert response.status_code == 200
    assert {listing.organization.name for listing in response.context["object_list"]} == {"湛山书画研究会"}
    # Viewing is not deciding: a street officer neither lists nor removes.
    assert client.get(reverse("credit_listings:add")).status_code in (302, 403)


def test_a_district_officer_lists_through_the_admin(client, org, officer):
    client.force_login(officer)
    response = client.post(
        reverse("credit_listings:add"),
        {
            "organization": org.pk,
            "list": CreditList.ABNORMAL_ACTIVITY,
            "cause": ListingCause.UNREACHABLE,
            "listed_on": "2024-03-01",
            "details": "",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == OrganizationStatus.ABNORMAL
    listing = CreditListing.objects.get()
    assert client.get(reverse("credit_listings:delete", args=[listing.pk])).status_code in (302, 403, 404)


# --- Overdue annual reports feed the abnormal list (DESIGN.md sections 6 and 7) ---------------------

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


@pytest.fixture
def new_org(tree):
    """Founded in the first half of 2025: its report on 2025 is its only one due by mid-2026."""
    return create_org(street=tree.zhanshan, name="湛山志愿者协会", founded_on=datetime.date(2025, 3, 1))


def file_report(org, year):
    user = UserFactory()
    link_organization_account(user=user, organization=org)
    return submit_annual_report(organization=org, actor=user, year=year, **REPORT_FACTS)


def test_an_overdue_report_lists_the_organization_once_the_grace_period_has_passed(new_org):
    assert review_credit_lists(today=GRACE_END_2025)["overdue_annual_reports"] == 0
    assert not current(new_org, CreditList.ABNORMAL_ACTIVITY).exists()

    counts = review_credit_lists(today=DAY_AFTER_GRACE)
    assert counts == {"moved_to_serious": 0, "removed_from_serious": 0, "overdue_annual_reports": 1}
    listing = current(new_org, CreditList.ABNORMAL_ACTIVITY).get()
    assert (listing.cause, listing.listed_on, listing.listed_by) == (
        ListingCause.MISSED_ANNUAL_REPORT,
        DAY_AFTER_GRACE,
        None,
    )
    assert listing.details == "2025年度的年度报告逾期未报送（截止日期后宽限30天）"
    new_org.refresh_from_db()
    assert new_org.status == OrganizationStatus.ABNORMAL


def test_the_grace_period_is_a_setting(new_org, settings):
    settings.REGISTRY_ANNUAL_REPORT_GRACE_DAYS = 10
    assert review_credit_lists(today=datetime.date(2026, 6, 10))["overdue_annual_reports"] == 0
    assert review_credit_lists(today=datetime.date(2026, 6, 11))["overdue_annual_reports"] == 1


def test_a_filed_report_keeps_the_organization_off_the_list(new_org):
    file_report(new_org, 2025)
    assert review_credit_lists(today=DAY_AFTER_GRACE)["overdue_annual_reports"] == 0
    assert not CreditListing.objects.exists()


def test_community_groups_and_a_first_year_under_six_months_are_exempt(tree):
    create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, founded_on=datetime.date(2020, 1, 1))
    late = create_org(street=tree.zhanshan, founded_on=datetime.date(2025, 7, 1))
    assert review_credit_lists(today=DAY_AFTER_GRACE)["overdue_annual_reports"] == 0
    # Its second year is due like any other.
    assert list(overdue_annual_report_organizations(datetime.date(2027, 7, 1))) == [late]


def test_an_organization_is_not_listed_twice_for_the_same_missed_deadline(new_org, officer):
    assert review_credit_lists(today=DAY_AFTER_GRACE)["overdue_annual_reports"] == 1
    assert review_credit_lists(today=DAY_AFTER_GRACE + datetime.timedelta(days=1))["overdue_annual_reports"] == 0
    assert CreditListing.objects.count() == 1

    # An officer's removal is not undone by the next review for the same missed deadline ...
    listing = current(new_org, CreditList.ABNORMAL_ACTIVITY).get()
    remove_listing(listing=listing, actor=officer, reason="已核实暂停活动情况", on=datetime.date(2026, 7, 10))
    assert review_credit_lists(today=datetime.date(2026, 7, 11))["overdue_annual_reports"] == 0
    # ... but the next year's missed deadline lists it again, for that year.
    assert review_credit_lists(today=datetime.date(2027, 7, 1))["overdue_annual_reports"] == 1
    assert current(new_org, CreditList.ABNORMAL_ACTIVITY).get().details.startswith("2026年度")


def test_an_organization_already_on_a_list_for_another_cause_is_left_alone(new_org, officer):
    list_abnormal(new_org, officer, on=datetime.date(2026, 1, 5))
    assert review_credit_lists(today=DAY_AFTER_GRACE)["overdue_annual_reports"] == 0
    assert current(new_org, CreditList.ABNORMAL_ACTIVITY).get().cause == ListingCause.UNREACHABLE


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
