"""Credit decisions are notified to the organization's accounts, in the app and by e-mail, with the
cause or reason: listing, removal, the move to the serious list, a confirmed proposal, and every
penalty. A proposal and its dismissal are not (the organization is never told of a proposal)."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from registry.enums import CreditList, ListingCause, PenaltyKind, Role
from registry.models import CreditProposal, Notification
from registry.services.credit import (
    confirm_credit_proposal,
    dismiss_credit_proposal,
    list_organization,
    move_to_serious_list,
    record_penalty,
    remove_listing,
    review_credit_lists,
)
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

LISTED_ON = datetime.date(2024, 3, 1)
DAY_AFTER_GRACE = datetime.date(2026, 7, 1)


@pytest.fixture
def officer(make_officer, tree):
    return make_officer(Role.DISTRICT_OFFICER, tree.district)


@pytest.fixture
def org(tree):
    return create_org(street=tree.zhanshan, name="湛山书画研究会", founded_on=datetime.date(2025, 3, 1))


@pytest.fixture
def account(org):
    user = UserFactory(email="contact@example.org")
    link_organization_account(user=user, organization=org)
    return user


def messages_of(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("message", flat=True))


def list_abnormal(org, officer, on=LISTED_ON):
    return list_organization(
        organization=org,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.UNREACHABLE,
        listed_on=on,
        actor=officer,
        details="多次上门无人",
    )


def test_a_listing_is_notified_in_the_app_and_by_email_with_its_cause(
    org, account, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        list_abnormal(org, officer)
    [message] = messages_of(account)
    assert "2024-03-01" in message and "活动异常名录" in message
    assert "通过登记的住所无法联系" in message and "多次上门无人" in message
    [email] = mail.outbox
    assert email.to == ["contact@example.org"] and email.body == message


def test_a_removal_is_notified_with_its_reason(org, account, officer):
    listing = list_abnormal(org, officer)
    remove_listing(listing=listing, actor=officer, reason="已恢复联系", on=datetime.date(2024, 5, 1))
    message = messages_of(account)[-1]
    assert "2024-05-01" in message and "移出活动异常名录" in message and "已恢复联系" in message


def test_the_move_to_the_serious_list_is_notified(org, account, officer):
    list_abnormal(org, officer)
    review_credit_lists(today=datetime.date(2026, 3, 1))
    message = messages_of(account)[-1]
    assert "严重违法失信名单" in message and "2026-03-01" in message
    assert "2024-03-01" in message and "通过登记的住所无法联系" in message


def test_the_serious_lists_removal_after_two_clean_years_is_notified(org, account, officer):
    listing = list_abnormal(org, officer)
    move_to_serious_list(listing=listing, actor=None, on=datetime.date(2026, 3, 1))
    review_credit_lists(today=datetime.date(2028, 3, 1))
    message = messages_of(account)[-1]
    assert "移出严重违法失信名单" in message and "满2年未再发生违法失信行为" in message


def test_a_proposal_is_not_notified_but_its_confirmation_is_once(org, account, officer):
    review_credit_lists(today=DAY_AFTER_GRACE)
    assert messages_of(account) == []
    proposal = CreditProposal.objects.get()
    confirm_credit_proposal(proposal=proposal, actor=officer, on=datetime.date(2026, 7, 6), reason="经电话核实")
    [message] = messages_of(account)
    assert "2026-07-06" in message and "活动异常名录" in message and "未按规定报送年度工作报告" in message
    assert "2025年度的年度报告逾期未报送" in message and "经电话核实" in message


def test_a_dismissal_is_not_notified(org, account, officer):
    review_credit_lists(today=DAY_AFTER_GRACE)
    dismiss_credit_proposal(
        proposal=CreditProposal.objects.get(), actor=officer, reason="已补报", on=datetime.date(2026, 7, 6)
    )
    assert messages_of(account) == []


PENALTIES = {
    PenaltyKind.WARNING: ({}, []),
    PenaltyKind.FINE: ({"amount": Decimal("5000")}, ["罚款金额：5000元"]),
    PenaltyKind.SUSPENSION: (
        {"suspended_from": datetime.date(2026, 3, 10), "suspended_until": datetime.date(2026, 6, 9)},
        ["停止活动期限：2026-03-10至2026-06-09"],
    ),
    PenaltyKind.REVOCATION: ({}, []),
}


@pytest.mark.parametrize("kind", list(PENALTIES))
def test_every_penalty_is_notified_with_its_facts(org, account, officer, kind):
    facts, expected = PENALTIES[kind]
    record_penalty(
        organization=org,
        kind=kind,
        decided_on=datetime.date(2026, 3, 2),
        decision_number="青南民罚〔2026〕7号",
        reason="超出章程规定的宗旨和业务范围开展活动",
        actor=officer,
        **facts,
    )
    [message] = messages_of(account)
    assert str(PenaltyKind(kind).label) in message and "青南民罚〔2026〕7号" in message and "2026-03-02" in message
    assert "超出章程规定的宗旨和业务范围开展活动" in message
    for text in expected:
        assert text in message


def test_only_the_organizations_active_accounts_are_notified(org, account, officer, tree):
    inactive = UserFactory(is_active=False)
    link_organization_account(user=inactive, organization=org)
    other = UserFactory()
    link_organization_account(user=other, organization=create_org(street=tree.zhanshan, name="湛山合唱团"))
    list_abnormal(org, officer)
    assert len(messages_of(account)) == 1
    assert messages_of(inactive) == [] and messages_of(other) == []


def test_the_message_is_in_chinese_whatever_the_officers_language(org, account, officer):
    with translation.override("en"):
        list_abnormal(org, officer)
    [message] = messages_of(account)
    assert "贵组织" in message and "通过登记的住所无法联系" in message


def test_a_refused_decision_notifies_nobody(org, account, officer):
    listing = list_abnormal(org, officer)
    with pytest.raises(ValidationError):
        remove_listing(listing=listing, actor=officer, reason=" ", on=datetime.date(2024, 5, 1))
    with pytest.raises(ValidationError):
        record_penalty(
            organization=org,
            kind=PenaltyKind.SUSPENSION,
            decided_on=datetime.date(2026, 3, 2),
            decision_number="青南民罚〔2026〕8号",
            reason="x",
            actor=officer,
        )
    assert len(messages_of(account)) == 1
