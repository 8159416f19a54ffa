"""A claim never moves an account from one organization to another (issue 4, item 1): one pending
claim at a time, none while the account belongs to an organization, and no approval for a person
who meanwhile came to belong to another organization."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from registry.enums import OrganizationKind, Role
from registry.models import OrganizationAccount, OrganizationClaim
from registry.services.roles import claim_organization, decide_claim, link_organization_account
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(tree):
    def group(name):
        return create_org(
            street=tree.zhanshan, community=tree.yancheng, kind=OrganizationKind.COMMUNITY_GROUP, name=name
        )

    return group("盐城路社区合唱团"), group("盐城路社区书画社")


@pytest.fixture
def officer(tree, make_officer):
    return make_officer(Role.STREET_OFFICER, tree.zhanshan)


def test_a_second_claim_is_refused_while_one_is_pending(groups):
    person = UserFactory()
    first, second = groups
    claim_organization(user=person, identifier=first.filing_number, statement="本人为负责人")
    with pytest.raises(ValidationError, match=r"盐城路社区合唱团.*正在审核中"):
        claim_organization(user=person, identifier=second.filing_number, statement="本人也是这个组织的负责人")
    assert list(OrganizationClaim.objects.filter(user=person).values_list("organization", flat=True)) == [first.pk]


def test_after_a_rejection_another_organization_may_be_claimed(groups, officer):
    person = UserFactory()
    first, second = groups
    claim = claim_organization(user=person, identifier=first.filing_number, statement="本人为负责人")
    decide_claim(claim=claim, actor=officer, approve=False, reason="无法核实身份")
    claim_organization(user=person, identifier=second.filing_number, statement="本人为负责人")
    assert OrganizationClaim.objects.filter(user=person, state=OrganizationClaim.State.PENDING).count() == 1


def test_an_account_of_an_organization_cannot_claim_another(groups, tree):
    person = UserFactory()
    first, second = groups
    link_organization_account(user=person, organization=first)
    with pytest.raises(ValidationError, match="已关联组织“盐城路社区合唱团”"):
        claim_organization(user=person, identifier=second.filing_number, statement="说明")
    assert not OrganizationClaim.objects.exists()


def test_approving_a_claim_of_someone_who_meanwhile_belongs_to_another_organization_is_refused(groups, officer):
    person = UserFactory()
    first, second = groups
    # Two pending claims, as the site allowed before, or as an approved application links meanwhile.
    stale = OrganizationClaim.objects.create(user=person, organization=second, statement="早先的申请")
    claim = OrganizationClaim.objects.create(user=person, organization=first, statement="本人为负责人")
    decide_claim(claim=claim, actor=officer, approve=True, reason="核实无误")
    entries = AuditEntry.objects.count()

    with pytest.raises(ValidationError, match="已关联组织“盐城路社区合唱团”"):
        decide_claim(claim=stale, actor=officer, approve=True, reason="核实无误")

    # Nothing changed: the account stays where it was, the claim stays pending, nothing recorded.
    assert OrganizationAccount.objects.get(user=person).organization == first
    stale.refresh_from_db()
    assert stale.state == OrganizationClaim.State.PENDING and stale.decided_by is None
    assert AuditEntry.objects.count() == entries
    # The officer may still reject it.
    decide_claim(claim=stale, actor=officer, approve=False, reason="申请人已是其他组织的账号")
    assert OrganizationAccount.objects.get(user=person).organization == first


def test_approving_for_an_account_already_of_the_same_organization_is_allowed(groups, officer):
    person = UserFactory()
    first, _second = groups
    claim = OrganizationClaim.objects.create(user=person, organization=first, statement="本人为负责人")
    link_organization_account(user=person, organization=first)
    decide_claim(claim=claim, actor=officer, approve=True, reason="核实无误")
    assert OrganizationAccount.objects.get(user=person).organization == first


def test_the_officer_sees_the_refusal_on_the_decision_form(client, groups, officer):
    person = UserFactory()
    first, second = groups
    link_organization_account(user=person, organization=first)
    stale = OrganizationClaim.objects.create(user=person, organization=second, statement="早先的申请")
    client.force_login(officer)
    response = client.post(reverse("claims:edit", args=[stale.pk]), {"decision": "approve", "reason": "核实无误"})
    assert response.status_code == 200
    assert "已关联组织“盐城路社区合唱团”" in response.content.decode()
    stale.refresh_from_db()
    assert stale.state == OrganizationClaim.State.PENDING
    assert OrganizationAccount.objects.get(user=person).organization == first


def test_the_site_shows_the_refusal_of_a_second_claim(client, groups):
    person = UserFactory()
    first, second = groups
    client.force_login(person)
    client.post(reverse("account_claim"), {"identifier": first.filing_number, "statement": "本人为负责人"})
    response = client.post(reverse("account_claim"), {"identifier": second.filing_number, "statement": "说明"})
    assert response.status_code == 200 and "正在审核中" in response.content.decode()
    assert OrganizationClaim.objects.filter(user=person).count() == 1
