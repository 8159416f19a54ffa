"""Claiming an existing organization: the request on the site, the decision by an officer who
manages the organization, and the account link that follows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from registry.enums import OrganizationKind, Role
from registry.models import OrganizationAccount, OrganizationClaim
from registry.services.roles import claim_organization, decide_claim
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(tree):
    return create_org(
        street=tree.zhanshan, community=tree.yancheng, kind=OrganizationKind.COMMUNITY_GROUP, name="盐城路社区合唱团"
    )


def test_a_claim_by_filing_number_approved_by_the_street_links_the_account(tree, group, make_officer):
    person = UserFactory()
    claim = claim_organization(user=person, identifier=group.filing_number, statement="本人为负责人")
    assert claim.state == OrganizationClaim.State.PENDING
    with pytest.raises(ValidationError, match="正在审核中"):
        claim_organization(user=person, identifier=group.filing_number, statement="再次")
    decide_claim(claim=claim, actor=make_officer(Role.STREET_OFFICER, tree.zhanshan), approve=True, reason="核实无误")
    assert OrganizationAccount.objects.get(user=person).organization == group
    assert person.notifications.filter(message__contains="已同意").exists()


def test_an_unknown_code_is_refused_in_chinese(tree):
    with pytest.raises(ValidationError, match="没有找到"):
        claim_organization(user=UserFactory(), identifier="51370202MA00000000", statement="说明")


def test_only_an_officer_who_manages_the_organization_decides_and_a_reason_is_needed(tree, group, make_officer):
    claim = claim_organization(user=UserFactory(), identifier=group.filing_number, statement="说明")
    with pytest.raises(PermissionDenied):
        decide_claim(claim=claim, actor=make_officer(Role.STREET_OFFICER, tree.badaguan), approve=True, reason="x")
    with pytest.raises(PermissionDenied):
        decide_claim(
            claim=claim, actor=make_officer(Role.COMMUNITY_SUPERVISOR, tree.yancheng), approve=True, reason="x"
        )
    officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    with pytest.raises(ValidationError, match="请填写审核意见"):
        decide_claim(claim=claim, actor=officer, approve=False, reason=" ")
    decide_claim(claim=claim, actor=officer, approve=False, reason="无法核实身份")
    assert not OrganizationAccount.objects.exists()
    with pytest.raises(ValidationError, match="已审核"):
        decide_claim(claim=claim, actor=officer, approve=True, reason="改为同意")


def test_claim_on_the_site_and_decide_in_the_admin(client, tree, group, make_officer):
    person = UserFactory()
    client.force_login(person)
    page = client.post(reverse("account_claim"), {"identifier": "不存在", "statement": "说明"})
    assert "没有找到" in page.content.decode()
    client.post(reverse("account_claim"), {"identifier": group.filing_number, "statement": "本人为负责人"})
    claim = OrganizationClaim.objects.get(user=person)

    client.force_login(make_officer(Role.STREET_OFFICER, tree.badaguan))
    assert client.get(reverse("claims:index")).context["object_list"].count() == 0
    assert client.get(reverse("claims:edit", args=[claim.pk])).status_code == 404

    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    assert [c.pk for c in client.get(reverse("claims:index")).context["object_list"]] == [claim.pk]
    response = client.post(reverse("claims:edit", args=[claim.pk]), {"decision": "approve", "reason": "核实无误"})
    assert response.status_code == 302
    assert OrganizationAccount.objects.get(user=person).organization == group
