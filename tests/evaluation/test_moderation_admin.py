"""The moderation back office: the lead's page per case, reconciliation and finishing through
it, the officer's totals for a campaign, and 404 for everyone else."""

from decimal import Decimal

import pytest
from django.urls import reverse

from evaluation.enums import CaseState, Grade
from evaluation.models import Indicator, Reconciliation
from registry.enums import Role
from tests.evaluation.test_moderation import score_case
from tests.factories import UserFactory

D = Decimal
DISAGREEING = {"1.1": [30, 20, 25], "1.2": [20, 20, 20], "2": [45, 44, 46]}


@pytest.fixture
def case(evaluation, make_case):
    for n, assessor in enumerate(evaluation.assessors):
        assessor.last_name, assessor.first_name = "王李张"[n], "专家"
        assessor.save()
    return score_case(make_case(state=CaseState.MODERATION), evaluation.assessors, DISAGREEING)


def page(client, user, case):
    client.force_login(user)
    return client.get(reverse("evaluation_moderation:case", args=[case.pk]))


def test_the_lead_sees_each_assessors_points_the_aggregate_and_the_flag(client, evaluation, case):
    response = page(client, evaluation.assessors[0], case)
    assert response.status_code == 200
    html = response.content.decode()
    assert "王专家（组长）" in html and "李专家" in html and "张专家" in html
    row = html.split('id="indicator-1.1"')[1].split("</tr>")[0]
    assert ">30.0<" in row and ">20.0<" in row and ">25.0<" in row  # each assessor's points
    assert "分歧较大，待协调" in row
    assert 'name="indicator-{}-points"'.format(Indicator.objects.get(code="1.1").pk) in html
    assert "完成复核汇总" in html
    assert "以下指标分歧较大，须先协调：1.1" in html
    other_row = html.split('id="indicator-2"')[1].split("</tr>")[0]
    assert ">45<" in other_row and "待协调" not in other_row  # mean of 45, 44, 46


def test_only_the_lead_and_the_campaigns_officers_open_the_page(client, evaluation, case, tree, make_officer):
    officer_page = page(client, evaluation.officer, case)
    assert officer_page.status_code == 200
    assert "完成复核汇总" not in officer_page.content.decode()  # officers follow; the lead acts
    other_district = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    for outsider in (evaluation.assessors[1], evaluation.manager, evaluation.members[0].user, other_district):
        assert page(client, outsider, case).status_code == 404


def test_a_refused_reconciliation_keeps_what_was_typed(client, evaluation, case):
    chapter = Indicator.objects.get(code="1.1")
    client.force_login(evaluation.assessors[0])
    url = reverse("evaluation_moderation:case", args=[case.pk])
    response = client.post(
        url,
        {
            "indicator": chapter.pk,
            f"indicator-{chapter.pk}-points": "31",
            f"indicator-{chapter.pk}-comment": "现场核实",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "分数应在0至30分之间" in html
    assert 'value="31"' in html and "现场核实</textarea>" in html
    assert not Reconciliation.objects.exists()

    response = client.post(
        url,
        {
            "indicator": chapter.pk,
            f"indicator-{chapter.pk}-points": "24",
            f"indicator-{chapter.pk}-comment": "现场核实",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.total == D("89.0")  # 24 + 20 + 45
    assert Reconciliation.objects.get().points == D(24)


def test_reconcile_posts_that_name_no_indicator_of_the_case_are_refused_gently(client, evaluation, case):
    client.force_login(evaluation.assessors[0])
    url = reverse("evaluation_moderation:case", args=[case.pk])
    # "²" passes str.isdigit() but not int(); "١٢" is int() 12 but no id typed in ASCII.
    for typed in ("", "abc", "999999", "²", "١٢", "9" * 30):
        response = client.post(url, {"indicator": typed})
        assert response.status_code == 302, typed
        assert "请选择要协调的指标" in [str(message) for message in response.wsgi_request._messages][-1]
    assert not Reconciliation.objects.exists()


def test_a_non_lead_cannot_reconcile_even_through_the_officer_page(client, evaluation, case):
    chapter = Indicator.objects.get(code="1.1")
    client.force_login(evaluation.officer)
    response = client.post(
        reverse("evaluation_moderation:case", args=[case.pk]),
        {"indicator": chapter.pk, f"indicator-{chapter.pk}-points": "24", f"indicator-{chapter.pk}-comment": "协调"},
        follow=True,
    )
    assert "只有该评估申请的评估组长可以协调评分" in response.content.decode()
    assert not Reconciliation.objects.exists()


def test_finishing_waits_for_the_reconciliation(client, evaluation, case):
    client.force_login(evaluation.assessors[0])
    finish = reverse("evaluation_moderation:finish", args=[case.pk])
    response = client.post(finish, follow=True)
    assert "须由评估组长协调后才能完成复核汇总：1.1" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.MODERATION

    Reconciliation.objects.create(
        case=case, indicator=Indicator.objects.get(code="1.1"), points=D(26), comment="协调", by=evaluation.assessors[0]
    )
    response = client.post(finish, follow=True)
    assert "已完成复核汇总：得分91.0，建议等级5A" in response.content.decode()
    case.refresh_from_db()
    assert (case.state, case.total, case.proposed_grade) == (CaseState.MODERATED, D("91.0"), Grade.A5)


def test_the_officer_computes_a_campaigns_totals(client, evaluation, case):
    client.force_login(evaluation.officer)
    index = client.get(reverse("evaluation_moderation:index")).content.decode()
    assert evaluation.campaign.name in index and "计算得分和建议等级" in index
    response = client.post(reverse("evaluation_moderation:totals", args=[evaluation.campaign.pk]), follow=True)
    assert "1个评估申请的得分和建议等级；其中1个尚有待组长协调的分歧" in response.content.decode()
    case.refresh_from_db()
    assert (case.total, case.proposed_grade) == (D("90.0"), Grade.A5)  # 25 + 20 + 45


def test_only_the_campaigns_officers_compute_totals(client, evaluation, case, tree, make_officer):
    url = reverse("evaluation_moderation:totals", args=[evaluation.campaign.pk])
    for outsider in (evaluation.assessors[0], make_officer(Role.STREET_OFFICER, tree.zhanshan), UserFactory()):
        client.force_login(outsider)
        assert client.post(url).status_code in (302, 404)
    case.refresh_from_db()
    assert case.total is None


def test_the_menu_shows_moderation_to_leads_and_officers_only(client, evaluation, case):
    for user, shown in ((evaluation.assessors[0], True), (evaluation.officer, True), (evaluation.assessors[1], False)):
        client.force_login(user)
        html = client.get(reverse("wagtailadmin_home")).content.decode()  # the sidebar's menu is JSON
        assert (f'"{reverse("evaluation_moderation:index")}"' in html) is shown, user
