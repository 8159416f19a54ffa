"""Administrative penalties that end a registration: a revocation (撤销登记) sets the status
revoked in the organization's history, and cannot be undone by correcting the penalty."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from registry.enums import CreditList, ListingCause, OrganizationStatus, PenaltyKind, Role
from registry.models import OrganizationChange
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
