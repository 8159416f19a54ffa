"""Credit lists and penalties (DESIGN.md section 6): listing and removal through the services,
the two-year moves of the daily review, the public page and the scoped back office. Overdue
annual reports are proposed by the review, not listed: tests/registry/test_credit_proposals.py."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.site_structure import ensure_site_pages
from registry.enums import CreditList, ListingCause, OrganizationStatus, PenaltyKind, Role
from registry.models import CreditListing, Organization, OrganizationChange
from registry.services.credit import (
    CLEAN_YEARS_REASON,
    list_organization,
    move_to_serious_list,
    record_penalty,
    remove_listing,
    review_credit_lists,
)
from registry.tasks import review_credit_lists_task
from tests.factories import create_org

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
    assert counts == {"moved_to_serious": 1, "removed_from_serious": 0, "proposed_for_missed_reports": 0}
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
    assert "moved_to_serious: 1（转入严重违法失信名单）" in out.getvalue()
    assert "removed_from_serious: 0" in out.getvalue()
    assert "proposed_for_missed_reports: 0" in out.getvalue()


def test_the_command_says_what_it_does_in_chinese_and_refuses_a_bad_date():
    from registry.management.commands.review_credit_lists import Command

    assert "拟列入活动异常名录" in str(Command.help) and "严重违法失信名单" in str(Command.help)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("review_credit_lists", "--date", "2026-02-30")


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
        reason="未按规定换届",
        actor=officer,
    )
    record_penalty(
        organization=org,
        kind=PenaltyKind.FINE,
        amount=Decimal("12500"),
        decided_on=datetime.date(2025, 2, 10),
        decision_number="青南民罚〔2025〕4号",
        reason="违规收取会费",
        actor=officer,
    )
    record_penalty(
        organization=org,
        kind=PenaltyKind.SUSPENSION,
        suspended_from=datetime.date(2025, 3, 15),
        suspended_until=datetime.date(2025, 6, 14),
        decided_on=datetime.date(2025, 3, 10),
        decision_number="青南民罚〔2025〕5号",
        reason="超出业务范围开展活动",
        actor=officer,
    )
    html = client.get(f"/directory/{org.uscc}/").content.decode()
    assert "信用信息" in html
    assert "活动异常名录" in html and "通过登记的住所无法联系" in html
    assert "2024-03-01" in html and "2024-05-01" in html and "已恢复联系" in html
    assert "警告" in html and "青南民罚〔2025〕3号" in html and "2025-01-10" in html and "未按规定换届" in html
    assert "罚款" in html and "罚款金额：12500.00元" in html and "违规收取会费" in html
    assert "限期停止活动" in html and "停止活动期限：2025-03-15至2025-06-14" in html
    assert "超出业务范围开展活动" in html


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
