"""Administrative penalties: a revocation (撤销登记) sets the status revoked in the organization's
history, and cannot be undone by correcting the penalty; a suspension (限期停止活动) has its period."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEntry
from registry.enums import CreditList, ListingCause, OrganizationStatus, PenaltyKind, Role
from registry.models import AdministrativePenalty, OrganizationChange
from registry.selectors.public import public_organization
from registry.services.credit import correct_penalty, list_organization, record_penalty, remove_listing
from tests.factories import create_org

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 2)


@pytest.fixture
def officer(make_officer, tree):
    return make_officer(Role.DISTRICT_OFFICER, tree.district)


@pytest.fixture
def org(tree):
    return create_org(street=tree.zhanshan, name="湛山书画研究会")


def revoke(org, officer, **facts):
    return record_penalty(
        organization=org,
        kind=PenaltyKind.REVOCATION,
        decided_on=DAY,
        decision_number="青南民罚〔2026〕1号",
        reason="严重违反章程",
        actor=officer,
        **facts,
    )


def test_a_revocation_revokes_the_registration_with_history_and_keeps_the_public_record(org, officer):
    revoke(org, officer)
    org.refresh_from_db()
    assert org.status == OrganizationStatus.REVOKED
    change = OrganizationChange.objects.get(organization=org, field="status")
    assert (change.old_value, change.new_value, change.changed_by) == ("正常", "已撤销登记", officer)
    assert public_organization(org.identifier) == org


def test_a_warning_leaves_the_status_alone(org, officer):
    record_penalty(
        organization=org,
        kind=PenaltyKind.WARNING,
        decided_on=DAY,
        decision_number="青南民罚〔2026〕2号",
        reason="未按时报送材料",
        actor=officer,
    )
    org.refresh_from_db()
    assert org.status == OrganizationStatus.ACTIVE


def test_a_revoked_organization_gets_no_further_penalty(org, officer):
    revoke(org, officer)
    with pytest.raises(ValidationError, match="已撤销登记或已注销"):
        revoke(org, officer)


def test_leaving_the_credit_lists_does_not_reactivate_a_revoked_organization(org, officer):
    listing = list_organization(
        organization=org,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.UNREACHABLE,
        listed_on=datetime.date(2026, 1, 5),
        actor=officer,
    )
    revoke(org, officer)
    remove_listing(listing=listing, actor=officer, reason="已处理", on=DAY)
    org.refresh_from_db()
    assert org.status == OrganizationStatus.REVOKED


@pytest.mark.parametrize("revoked_first", [True, False])
def test_correcting_cannot_turn_a_revocation_into_another_kind_or_back(org, officer, revoked_first):
    if revoked_first:
        penalty, new_kind = revoke(org, officer), PenaltyKind.WARNING
    else:
        penalty = record_penalty(
            organization=org,
            kind=PenaltyKind.WARNING,
            decided_on=DAY,
            decision_number="青南民罚〔2026〕3号",
            reason="x",
            actor=officer,
        )
        new_kind = PenaltyKind.REVOCATION
    with pytest.raises(ValidationError) as error:
        correct_penalty(penalty=penalty, actor=officer, data={"kind": new_kind})
    assert "kind" in error.value.message_dict
    penalty.refresh_from_db()
    assert penalty.kind != new_kind


# --- Suspensions have their period ------------------------------------------------------------------


def suspend(org, officer, **period):
    return record_penalty(
        organization=org,
        kind=PenaltyKind.SUSPENSION,
        decided_on=DAY,
        decision_number="青南民罚〔2026〕4号",
        reason="超出业务范围开展活动",
        actor=officer,
        **period,
    )


def test_a_suspension_needs_its_period(org, officer):
    with pytest.raises(ValidationError) as error:
        suspend(org, officer)
    assert set(error.value.message_dict) == {"suspended_from", "suspended_until"}
    with pytest.raises(ValidationError) as error:
        suspend(org, officer, suspended_from=datetime.date(2026, 3, 10), suspended_until=datetime.date(2026, 3, 9))
    assert error.value.message_dict["suspended_until"] == ["停止活动截止日期不能早于起始日期。"]
    assert not AdministrativePenalty.objects.exists()

    penalty = suspend(
        org, officer, suspended_from=datetime.date(2026, 3, 10), suspended_until=datetime.date(2026, 3, 10)
    )
    penalty.refresh_from_db()
    assert (penalty.suspended_from, penalty.suspended_until) == (datetime.date(2026, 3, 10), datetime.date(2026, 3, 10))


def test_only_a_suspension_has_a_period(org, officer):
    with pytest.raises(ValidationError) as error:
        record_penalty(
            organization=org,
            kind=PenaltyKind.WARNING,
            decided_on=DAY,
            decision_number="青南民罚〔2026〕5号",
            reason="x",
            actor=officer,
            suspended_from=DAY,
            suspended_until=DAY,
        )
    assert "suspended_from" in error.value.message_dict


def test_the_database_refuses_a_period_ending_before_it_starts_or_on_another_kind(org):
    facts = {"organization": org, "decided_on": DAY, "decision_number": "青南民罚〔2026〕6号", "reason": "x"}
    with pytest.raises(IntegrityError), transaction.atomic():
        AdministrativePenalty.objects.create(
            kind=PenaltyKind.SUSPENSION,
            suspended_from=datetime.date(2026, 3, 10),
            suspended_until=datetime.date(2026, 3, 9),
            **facts,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AdministrativePenalty.objects.create(
            kind=PenaltyKind.SUSPENSION, suspended_from=datetime.date(2026, 3, 10), **facts
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AdministrativePenalty.objects.create(kind=PenaltyKind.WARNING, suspended_from=DAY, suspended_until=DAY, **facts)


def test_correcting_a_suspension_keeps_its_period_valid_and_audits_it(org, officer):
    penalty = suspend(
        org, officer, suspended_from=datetime.date(2026, 3, 10), suspended_until=datetime.date(2026, 6, 9)
    )
    with pytest.raises(ValidationError):
        correct_penalty(penalty=penalty, actor=officer, data={"suspended_until": datetime.date(2026, 3, 1)})
    correct_penalty(penalty=penalty, actor=officer, data={"suspended_until": datetime.date(2026, 5, 9)})
    penalty.refresh_from_db()
    assert penalty.suspended_until == datetime.date(2026, 5, 9)
    entry = AuditEntry.objects.get(action="penalty.correct")
    assert entry.before == {"suspended_until": "2026-06-09"} and entry.after == {"suspended_until": "2026-05-09"}


def test_an_officer_records_a_suspension_in_the_admin_and_a_missing_period_is_a_form_error(client, org, officer):
    client.force_login(officer)
    data = {
        "organization": org.pk,
        "kind": PenaltyKind.SUSPENSION,
        "amount": "",
        "suspended_from": "",
        "suspended_until": "",
        "decided_on": "2026-03-02",
        "decision_number": "青南民罚〔2026〕9号",
        "reason": "超出业务范围开展活动",
    }
    response = client.post(reverse("penalties:add"), data)
    assert response.status_code == 200
    assert "限期停止活动须填写停止活动起始日期。" in response.content.decode()
    assert not AdministrativePenalty.objects.exists()

    response = client.post(
        reverse("penalties:add"), data | {"suspended_from": "2026-03-10", "suspended_until": "2026-06-09"}
    )
    assert response.status_code == 302
    penalty = AdministrativePenalty.objects.get()
    assert (penalty.suspended_from, penalty.suspended_until) == (datetime.date(2026, 3, 10), datetime.date(2026, 6, 9))
