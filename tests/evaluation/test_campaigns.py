"""Campaigns: one a year per authority, dates in order, a usable framework per kind, only for the
authorities an officer reaches; the back office pages, and who may use them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.enums import AgencyRole, Aggregation, Grade, ValidityRule
from evaluation.models import Campaign, Committee, Framework, Notice
from evaluation.services import committee as committee_service
from evaluation.services.campaigns import change_campaign, create_campaign, delete_campaign
from evaluation.services.frameworks import change_indicator, framework_in_use
from evaluation.services.people import add_agency_member
from registry.enums import OrganizationKind, Role, UnitLevel
from registry.services.units import add_unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SG, SI, FOUNDATION = OrganizationKind.SOCIAL_GROUP, OrganizationKind.SERVICE_INSTITUTION, OrganizationKind.FOUNDATION


@pytest.fixture
def officer(make_officer, tree):
    return make_officer(Role.DISTRICT_OFFICER, tree.district)


@pytest.fixture
def committee(tree) -> Committee:
    return Committee.objects.create(name="市南区评估委员会（测试）", authority=tree.district)


def campaign_data(committee, **changes) -> dict:
    data = {
        "name": "2027年度市南区社会组织评估",
        "year": 2027,
        "committee": committee,
        "applications_open_on": datetime.date(2027, 3, 1),
        "applications_close_on": datetime.date(2027, 5, 31),
        "scoring_closes_on": datetime.date(2027, 8, 31),
        "notice_days": 7,
        "certificate_threshold": Grade.A3,
        "validity_rule": ValidityRule.CALENDAR_YEARS,
        "aggregation": Aggregation.MEDIAN,
        "disagreement_share": Decimal("0.25"),
        "check_years_registered": True,
        "min_years_registered": 3,
        "check_annual_report": True,
        "check_credit_lists": False,
        "check_penalties": True,
        "penalty_years": 2,
        "check_grade_status": True,
        "reapply_window_months": 6,
    }
    data.update(changes)
    return data


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_an_officer_creates_a_campaign_with_its_rules_and_a_framework_per_kind(
    officer, committee, small_framework, tree
):
    campaign = create_campaign(
        authority=tree.district,
        data=campaign_data(committee),
        frameworks={SG: small_framework, SI: small_framework},
        actor=officer,
    )
    campaign.refresh_from_db()
    assert (campaign.year, campaign.aggregation, campaign.min_years_registered) == (2027, "median", 3)
    assert campaign.check_credit_lists is False and campaign.disagreement_share == Decimal("0.25")
    assert dict(campaign.frameworks.values_list("kind", "framework")) == {
        SG: small_framework.pk,
        SI: small_framework.pk,
    }
    assert framework_in_use(small_framework)  # taken up, hence frozen


def test_a_second_campaign_in_a_year_for_the_same_authority_is_refused_kindly(
    officer, committee, small_framework, tree
):
    create = lambda **changes: create_campaign(  # noqa: E731
        authority=tree.district,
        data=campaign_data(committee, **changes),
        frameworks={SG: small_framework},
        actor=officer,
    )
    create()
    errors = errors_of(lambda: create(name="重复的评估"))
    assert errors["year"] == ["市南区 2027 年度已有评估活动，每个登记管理机关每年只能开展一次评估。"]
    create(name="2028年度评估", year=2028)  # the next year is free
    assert Campaign.objects.count() == 2


def test_dates_must_be_in_order(officer, committee, small_framework, tree):
    data = campaign_data(
        committee,
        applications_close_on=datetime.date(2027, 2, 1),
        scoring_closes_on=datetime.date(2027, 1, 1),
    )
    errors = errors_of(
        lambda: create_campaign(authority=tree.district, data=data, frameworks={SG: small_framework}, actor=officer)
    )
    assert errors["applications_close_on"] == ["申请截止日期不能早于申请开始日期。"]
    assert errors["scoring_closes_on"] == ["评分截止日期不能早于申请截止日期。"]
    assert not Campaign.objects.exists()


def test_each_framework_must_apply_to_its_kind_and_be_complete(officer, committee, small_framework, tree):
    broken = Framework.objects.create(
        code="broken", name="未完成的指标体系", scale=Decimal(100), applies_to=[SG, FOUNDATION]
    )
    errors = errors_of(
        lambda: create_campaign(
            authority=tree.district,
            data=campaign_data(committee),
            frameworks={FOUNDATION: small_framework, SG: broken},
            actor=officer,
        )
    )
    assert errors["framework_foundation"] == ["指标体系“测试指标体系（第1版）”不适用于基金会。"]
    assert errors["framework_social_group"] == [
        "指标体系“未完成的指标体系（第1版）”尚不完整，不能使用：",
        "没有等级分数线。",
        "没有任何指标。",
    ]
    errors = errors_of(
        lambda: create_campaign(authority=tree.district, data=campaign_data(committee), frameworks={}, actor=officer)
    )
    assert errors["__all__"] == ["请至少为一类组织选择指标体系。"]
    assert not framework_in_use(small_framework)


def test_an_officer_acts_only_for_authorities_within_reach(make_officer, committee, small_framework, tree):
    shibei = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
    shibei_committee = Committee.objects.create(name="市北区评估委员会", authority=shibei)
    district_officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    errors = errors_of(
        lambda: create_campaign(
            authority=shibei,
            data=campaign_data(shibei_committee),
            frameworks={SG: small_framework},
            actor=district_officer,
        )
    )
    assert errors["authority"] == ["只能为您任职的市、区登记管理机关开展评估活动。"]
    # The city officer reaches both districts.
    city_officer = make_officer(Role.CITY_OFFICER, tree.city)
    campaign = create_campaign(
        authority=shibei, data=campaign_data(shibei_committee), frameworks={SG: small_framework}, actor=city_officer
    )
    with pytest.raises(ValidationError):
        change_campaign(
            campaign=campaign,
            data=campaign_data(shibei_committee, name="改名"),
            frameworks={SG: small_framework},
            actor=district_officer,
        )
    # The committee must be the campaign authority's own.
    errors = errors_of(
        lambda: create_campaign(
            authority=tree.district,
            data=campaign_data(shibei_committee),
            frameworks={SG: small_framework},
            actor=city_officer,
        )
    )
    assert errors["committee"] == ["请选择市南区的评估委员会。"]


def test_a_kind_with_cases_keeps_its_framework(evaluation, make_case, committee):
    make_case()  # a social group's case
    other = Framework.objects.create(code="other", name="另一体系", scale=Decimal(100), applies_to=[SG, SI])
    data = campaign_data(evaluation.committee, year=2026, applications_open_on=datetime.date(2026, 3, 1))
    data |= {"applications_close_on": datetime.date(2026, 12, 31), "scoring_closes_on": datetime.date(2026, 12, 31)}
    errors = errors_of(
        lambda: change_campaign(
            campaign=evaluation.campaign,
            data=data,
            frameworks={SG: other, SI: evaluation.framework},
            actor=evaluation.officer,
        )
    )
    assert errors["framework_social_group"][0] == "已有社会团体的评估申请，不能更换或取消其指标体系。"
    # Another kind, without cases, may change; the dates too.
    data["notice_days"] = 10
    change_campaign(
        campaign=evaluation.campaign, data=data, frameworks={SG: evaluation.framework}, actor=evaluation.officer
    )
    evaluation.campaign.refresh_from_db()
    assert evaluation.campaign.notice_days == 10
    assert list(evaluation.campaign.frameworks.values_list("kind", flat=True)) == [SG]


def test_only_a_campaign_without_cases_can_be_deleted(evaluation, make_case):
    make_case()
    with pytest.raises(ValidationError, match="已有评估申请"):
        delete_campaign(campaign=evaluation.campaign, actor=evaluation.officer)
    evaluation.campaign.cases.all().delete()
    delete_campaign(campaign=evaluation.campaign, actor=evaluation.officer)
    assert not Campaign.objects.exists()


def test_a_campaign_with_a_committee_meeting_stays_with_a_message(client, evaluation):
    meeting = committee_service.record_meeting(
        campaign=evaluation.campaign,
        held_on=datetime.date(2026, 11, 2),
        attendees=evaluation.members,
        actor=evaluation.officer,
    )
    with pytest.raises(ValidationError, match="已有评估委员会会议记录"):
        delete_campaign(campaign=evaluation.campaign, actor=evaluation.officer)
    client.force_login(evaluation.officer)
    response = client.post(reverse("evaluation_campaigns:delete", args=[evaluation.campaign.pk]))
    assert response["Location"] == reverse("evaluation_campaigns:inspect", args=[evaluation.campaign.pk])
    messages = [str(message) for message in response.wsgi_request._messages]
    assert any("该评估活动已有评估委员会会议记录，不能删除。" in message for message in messages)
    assert Campaign.objects.filter(pk=evaluation.campaign.pk).exists()
    meeting.delete()  # without its meeting (and with no cases) the campaign may go
    delete_campaign(campaign=evaluation.campaign, actor=evaluation.officer)
    assert not Campaign.objects.exists()


def test_a_campaign_with_a_notice_stays(evaluation):
    # Set up directly: publishing needs decided cases, which would stop the deletion first.
    day = datetime.date(2026, 11, 2)
    Notice.objects.create(campaign=evaluation.campaign, starts_on=day, ends_on=day, published_by=evaluation.officer)
    with pytest.raises(ValidationError, match="该评估活动已发布公示，不能删除。"):
        delete_campaign(campaign=evaluation.campaign, actor=evaluation.officer)
    assert Campaign.objects.filter(pk=evaluation.campaign.pk).exists()


def test_a_framework_in_use_by_a_campaign_cannot_be_edited(evaluation):
    with pytest.raises(ValidationError, match="已被评估活动使用"):
        change_indicator(indicator=evaluation.framework.indicators.get(code="2"), data={"max_points": Decimal(40)})


# --- The back office


def form_data(committee, framework, **changes) -> dict:
    data = {
        "name": "2027年度市南区社会组织评估",
        "year": "2027",
        "committee": committee.pk,
        "applications_open_on": "2027-03-01",
        "applications_close_on": "2027-05-31",
        "scoring_closes_on": "2027-08-31",
        "notice_days": "7",
        "certificate_threshold": "3A",
        "validity_rule": "calendar_years",
        "aggregation": "mean",
        "disagreement_share": "0.20",
        "check_years_registered": "on",
        "min_years_registered": "2",
        "check_annual_report": "on",
        "check_credit_lists": "on",
        "check_penalties": "on",
        "penalty_years": "2",
        "check_grade_status": "on",
        "reapply_window_months": "12",
        "framework_social_group": framework.pk,
    }
    data.update(changes)
    return data


def test_an_officer_creates_and_edits_a_campaign_in_the_admin(client, officer, committee, small_framework, tree):
    client.force_login(officer)
    page = client.get(reverse("evaluation_campaigns:add"))
    assert page.status_code == 200
    form = page.context["form"]
    assert list(form.fields["authority"].queryset) == [tree.district]
    assert list(form.fields["framework_social_group"].queryset) == [small_framework]
    assert list(form.fields["framework_foundation"].queryset) == []
    response = client.post(
        reverse("evaluation_campaigns:add"), form_data(committee, small_framework, authority=tree.district.pk)
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation_campaigns:inspect", args=[campaign.pk])
    inspect = client.get(reverse("evaluation_campaigns:inspect", args=[campaign.pk])).content.decode()
    assert "2027年度市南区社会组织评估" in inspect and "测试指标体系（第1版）" in inspect
    edit_url = reverse("evaluation_campaigns:edit", args=[campaign.pk])
    assert client.get(edit_url).context["form"]["framework_social_group"].value() == small_framework.pk
    response = client.post(edit_url, form_data(committee, small_framework, notice_days="10"))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.notice_days == 10
    index = client.get(reverse("evaluation_campaigns:index")).content.decode()
    assert "2027年度市南区社会组织评估" in index


def test_the_admin_shows_the_one_a_year_and_date_refusals_and_keeps_the_input(
    client, officer, committee, small_framework, tree
):
    client.force_login(officer)
    url = reverse("evaluation_campaigns:add")
    client.post(url, form_data(committee, small_framework, authority=tree.district.pk))
    response = client.post(url, form_data(committee, small_framework, authority=tree.district.pk, name="第二个"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "每个登记管理机关每年只能开展一次评估" in page
    assert 'value="第二个"' in page
    response = client.post(
        url,
        form_data(
            committee, small_framework, authority=tree.district.pk, year="2028", applications_close_on="2027-01-01"
        ),
    )
    assert "日期顺序有误" in response.content.decode()
    assert Campaign.objects.count() == 1


def test_the_admin_shows_a_framework_that_does_not_fit(client, officer, committee, tree):
    broken = Framework.objects.create(code="broken", name="未完成的指标体系", scale=Decimal(100), applies_to=[SG])
    client.force_login(officer)
    response = client.post(
        reverse("evaluation_campaigns:add"), form_data(committee, broken, authority=tree.district.pk)
    )
    assert response.status_code == 200
    assert "尚不完整，不能使用" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_street_officer_or_an_assessor_cannot_create_or_edit_campaigns(
    client, make_officer, tree, evaluation, small_framework
):
    street = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    assessor = evaluation.assessors[0]
    for user in (street, assessor):
        client.force_login(user)
        assert client.get(reverse("evaluation_campaigns:index")).status_code == 200  # campaigns are public
        assert client.get(reverse("evaluation_campaigns:add")).status_code == 302
        data = form_data(evaluation.committee, small_framework, authority=tree.district.pk, year="2030")
        assert client.post(reverse("evaluation_campaigns:add"), data).status_code == 302
        edit_url = reverse("evaluation_campaigns:edit", args=[evaluation.campaign.pk])
        assert client.get(edit_url).status_code == 302
        assert client.post(edit_url, form_data(evaluation.committee, small_framework, name="被改")).status_code == 302
    evaluation.campaign.refresh_from_db()
    assert evaluation.campaign.name == "2026年度市南区社会组织评估"
    assert Campaign.objects.count() == 1


def test_another_districts_officer_cannot_reach_the_edit_page(client, make_officer, tree, evaluation):
    shibei = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
    client.force_login(make_officer(Role.DISTRICT_OFFICER, shibei))
    assert client.get(reverse("evaluation_campaigns:edit", args=[evaluation.campaign.pk])).status_code == 404
    assert client.get(reverse("evaluation_campaigns:delete", args=[evaluation.campaign.pk])).status_code == 404


def test_an_agency_manager_reads_campaigns_but_has_no_add_button(client, evaluation):
    manager = UserFactory(username="another_manager")
    add_agency_member(user=manager, agency=evaluation.agency, role=AgencyRole.MANAGER)
    client.force_login(manager)
    page = client.get(reverse("evaluation_campaigns:index")).content.decode()
    assert "2026年度市南区社会组织评估" in page
    assert reverse("evaluation_campaigns:add") not in page


def test_the_campaign_list_queries_do_not_grow_with_the_rows(client, officer, committee, small_framework, tree):
    client.force_login(officer)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("evaluation_campaigns:index")).status_code == 200
        return len(queries.captured_queries)

    def add(year):
        dates = {
            "applications_open_on": datetime.date(year, 3, 1),
            "applications_close_on": datetime.date(year, 5, 31),
            "scoring_closes_on": datetime.date(year, 8, 31),
        }
        create_campaign(
            authority=tree.district,
            data=campaign_data(committee, name=f"{year}年度评估", year=year, **dates),
            frameworks={SG: small_framework},
            actor=officer,
        )

    add(2027)
    count_queries()  # warm the per-process caches
    one = count_queries()
    add(2028)
    add(2029)
    assert count_queries() == one
