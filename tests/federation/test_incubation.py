"""Support centres and incubation: who opens a centre and enters groups, every stage move allowed
and refused, services only while incubating, the scoping of lists and pages, and a graduated group
going on to a filing that is submitted, pre-reviewed, approved and becomes a community group."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from federation.enums import IncubationServiceKind, IncubationStage
from federation.incubation import (
    TRANSITIONS,
    apply_for_incubation,
    move_incubation,
    open_support_centre,
    record_service,
    start_filing_from_incubation,
)
from federation.incubation_selectors import (
    centres_for_user,
    incubation_counts_by_street,
    incubations_for_user,
)
from federation.models import Incubation, IncubationEvent, IncubationService
from federation.services import add_federation_staff, found_federation
from registry.enums import ApplicationAction, ApplicationKind, ApplicationState, OrganizationKind, Role
from registry.models import Application, Notification, Organization
from registry.services.applications import act_on_application
from registry.services.roles import link_organization_account
from registry.validators import FILING_NUMBER_RE
from tests.factories import UserFactory, create_org, file_required_materials

pytestmark = pytest.mark.django_db

S = IncubationStage
INDEX = "/admin/incubations/"


def inspect_url(incubation) -> str:
    return reverse("incubations:inspect", args=[incubation.pk])


@pytest.fixture
def people(tree, make_officer):
    """Federations of 湛山 and 八大关 with one staff member each, and officers of each tier."""
    zhanshan = found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会")
    badaguan = found_federation(street=tree.badaguan, name="八大关街道社区社会组织联合会")
    staff, other_staff = UserFactory(username="zs_staff"), UserFactory(username="bdg_staff")
    add_federation_staff(user=staff, federation=zhanshan)
    add_federation_staff(user=other_staff, federation=badaguan)
    return type(
        "People",
        (),
        {
            "staff": staff,
            "other_staff": other_staff,
            "street": make_officer(Role.STREET_OFFICER, tree.zhanshan),
            "other_street": make_officer(Role.STREET_OFFICER, tree.badaguan),
            "district": make_officer(Role.DISTRICT_OFFICER, tree.district),
            "supervisor": make_officer(Role.COMMUNITY_SUPERVISOR, tree.yancheng),
        },
    )


@pytest.fixture
def centres(tree, people):
    zhanshan = open_support_centre(
        street=tree.zhanshan,
        name="湛山街道社会组织服务中心",
        address="湛山路1号",
        opened_on=datetime.date(2024, 9, 8),
        contact_phone="0532-88886666",
        actor=people.street,
    )
    badaguan = open_support_centre(street=tree.badaguan, name="八大关街道社会组织服务中心", actor=people.other_street)
    return type("Centres", (), {"zhanshan": zhanshan, "badaguan": badaguan})


def enter(centre, actor, community, name="盐城路社区银发合唱队") -> Incubation:
    return apply_for_incubation(
        centre=centre,
        group_name=name,
        community=community,
        contact_person="王秀兰",
        contact_phone="13800001111",
        activities="组织社区老年人合唱排练和演出。",
        actor=actor,
    )


@pytest.fixture
def applied(tree, centres, people):
    return enter(centres.zhanshan, people.staff, tree.yancheng)


def period(today) -> tuple[datetime.date, datetime.date]:
    """The usual incubation's start and end dates: 200 and 10 days before `today`."""
    return today - datetime.timedelta(days=200), today - datetime.timedelta(days=10)


def brought_to(incubation, stage, actor, today) -> Incubation:
    """The incubation moved along the usual path to `stage`, on the dates of `period(today)`."""
    start, end = period(today)
    if stage in (S.INCUBATING, S.GRADUATED, S.WITHDRAWN):
        incubation = move_incubation(
            incubation=incubation, to_stage=S.INCUBATING, actor=actor, mentor="李老师", on=start
        )
    if stage in (S.GRADUATED, S.WITHDRAWN):
        incubation = move_incubation(incubation=incubation, to_stage=stage, actor=actor, note="完成孵化。", on=end)
    return incubation


# --- Centres ---------------------------------------------------------------------------------------


def test_a_street_has_one_centre_opened_by_its_own_or_the_districts_officers(tree, people, centres):
    with pytest.raises(ValidationError, match="湛山街道已有社会组织服务中心：湛山街道社会组织服务中心"):
        open_support_centre(street=tree.zhanshan, name="另一个中心", actor=people.district)
    with pytest.raises(PermissionDenied):
        open_support_centre(street=tree.zhanshan, name="另一个中心", actor=people.other_street)
    with pytest.raises(PermissionDenied):
        open_support_centre(street=tree.zhanshan, name="另一个中心", actor=people.staff)
    with pytest.raises(ValidationError, match="须设在街道"):
        open_support_centre(street=tree.yancheng, name="社区中心", actor=people.district)


def test_a_centres_phone_and_opening_date_are_checked(tree, people, today):
    with pytest.raises(ValidationError) as refused:
        open_support_centre(
            street=tree.zhanshan,
            name="湛山街道社会组织服务中心",
            contact_phone="请拨打总机",
            opened_on=today + datetime.timedelta(days=1),
            actor=people.street,
        )
    assert "请填写有效的电话号码" in refused.value.message_dict["contact_phone"][0]
    assert not centres_for_user(people.district).exists()
    with pytest.raises(ValidationError, match="启用日期不能晚于今天"):
        open_support_centre(
            street=tree.zhanshan,
            name="湛山街道社会组织服务中心",
            opened_on=today + datetime.timedelta(days=1),
            actor=people.street,
        )


# --- Entering a group ------------------------------------------------------------------------------


def test_a_group_is_entered_by_the_street_office_or_federation_with_its_first_history_row(tree, centres, people):
    by_staff = enter(centres.zhanshan, people.staff, tree.yancheng)
    by_officer = enter(centres.zhanshan, people.street, tree.yangkou, name="仰口路社区四点半课堂")
    assert by_staff.stage == by_officer.stage == S.APPLIED
    event = IncubationEvent.objects.get(incubation=by_staff)
    assert (event.from_stage, event.to_stage, event.actor) == ("", S.APPLIED, people.staff)
    for outsider in (people.other_staff, people.other_street, people.district, people.supervisor):
        with pytest.raises(PermissionDenied):
            enter(centres.zhanshan, outsider, tree.yancheng, name="另一团队")


def test_the_community_must_be_in_the_centres_street(tree, centres, people):
    with pytest.raises(ValidationError, match="所选社区不属于湛山街道") as refused:
        enter(centres.zhanshan, people.staff, tree.taipingjiao)
    assert "community" in refused.value.message_dict
    assert not Incubation.objects.exists()


def test_the_same_group_is_not_entered_twice_unless_it_withdrew(tree, centres, people, applied):
    with pytest.raises(ValidationError, match="同名团队"):
        enter(centres.zhanshan, people.staff, tree.yancheng)
    move_incubation(incubation=applied, to_stage=S.WITHDRAWN, actor=people.staff, note="团队暂停活动。")
    assert enter(centres.zhanshan, people.staff, tree.yancheng).stage == S.APPLIED


# --- The stage machine -----------------------------------------------------------------------------


def test_applied_to_incubating_needs_a_mentor_and_a_start_date(people, applied, today):
    start, _end = period(today)
    with pytest.raises(ValidationError) as refused:
        move_incubation(incubation=applied, to_stage=S.INCUBATING, actor=people.staff, mentor=" ")
    assert refused.value.message_dict == {"mentor": ["开始孵化须指定导师。"], "on": ["请填写入驻日期。"]}
    with pytest.raises(ValidationError, match="不能晚于今天"):
        move_incubation(
            incubation=applied,
            to_stage=S.INCUBATING,
            actor=people.staff,
            mentor="李老师",
            on=today + datetime.timedelta(days=1),
        )
    moved = move_incubation(incubation=applied, to_stage=S.INCUBATING, actor=people.staff, mentor="李老师", on=start)
    assert (moved.stage, moved.mentor, moved.started_on, moved.ended_on) == (S.INCUBATING, "李老师", start, None)
    assert list(moved.events.values_list("from_stage", "to_stage")) == [("", S.APPLIED), (S.APPLIED, S.INCUBATING)]


@pytest.mark.parametrize("target", [S.GRADUATED, S.WITHDRAWN])
def test_incubating_ends_with_a_note_and_an_end_date_not_before_the_start(people, applied, target, today):
    start, end = period(today)
    incubating = brought_to(applied, S.INCUBATING, people.street, today)
    with pytest.raises(ValidationError) as refused:
        move_incubation(incubation=incubating, to_stage=target, actor=people.staff)
    assert set(refused.value.message_dict) == {"note", "on"}
    with pytest.raises(ValidationError, match="结束日期不能早于入驻日期"):
        move_incubation(
            incubation=incubating, to_stage=target, actor=people.staff, note="完成。", on=start - datetime.timedelta(1)
        )
    moved = move_incubation(incubation=incubating, to_stage=target, actor=people.staff, note="完成孵化。", on=end)
    assert (moved.stage, moved.started_on, moved.ended_on, moved.stage_note) == (target, start, end, "完成孵化。")
    event = moved.events.last()
    assert (event.from_stage, event.to_stage, event.note, event.actor) == (
        S.INCUBATING,
        target,
        "完成孵化。",
        people.staff,
    )


def test_an_applied_group_may_withdraw_with_a_note_and_no_dates(people, applied):
    with pytest.raises(ValidationError, match="须填写说明"):
        move_incubation(incubation=applied, to_stage=S.WITHDRAWN, actor=people.staff)
    moved = move_incubation(incubation=applied, to_stage=S.WITHDRAWN, actor=people.staff, note="团队解散。")
    assert (moved.stage, moved.started_on, moved.ended_on) == (S.WITHDRAWN, None, None)


REFUSED = [
    (start, target)
    for start in IncubationStage.values
    for target in IncubationStage.values
    if target not in TRANSITIONS[start]
]


def test_the_table_allows_exactly_four_moves():
    allowed = {(start, target) for start, targets in TRANSITIONS.items() for target in targets}
    assert allowed == {
        (S.APPLIED, S.INCUBATING),
        (S.APPLIED, S.WITHDRAWN),
        (S.INCUBATING, S.GRADUATED),
        (S.INCUBATING, S.WITHDRAWN),
    }
    assert len(REFUSED) == 12


@pytest.mark.parametrize(("start", "target"), REFUSED)
def test_every_other_move_is_refused_with_a_reason(people, applied, start, target, today):
    end = period(today)[1]
    incubation = brought_to(applied, start, people.staff, today)
    assert incubation.stage == start
    with pytest.raises(ValidationError) as refused:
        move_incubation(
            incubation=incubation, to_stage=target, actor=people.staff, note="试一下。", mentor="李老师", on=end
        )
    message = refused.value.message_dict["to_stage"][0]
    if start in (S.GRADUATED, S.WITHDRAWN):
        assert "孵化已结束" in message and "不能再变更阶段" in message
    else:
        assert f"不能转为“{IncubationStage(target).label}”" in message
    fresh = Incubation.objects.get(pk=incubation.pk)
    assert fresh.stage == start
    assert fresh.events.count() == incubation.events.count()


def test_an_unknown_stage_and_an_outsider_are_refused(people, applied, today):
    start, _end = period(today)
    with pytest.raises(ValidationError, match="请选择要转入的阶段"):
        move_incubation(incubation=applied, to_stage="hatched", actor=people.staff)
    for outsider in (people.other_staff, people.other_street, people.district):
        with pytest.raises(PermissionDenied):
            move_incubation(incubation=applied, to_stage=S.INCUBATING, actor=outsider, mentor="李老师", on=start)


# --- Services --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [S.APPLIED, S.GRADUATED, S.WITHDRAWN])
def test_services_are_recorded_only_while_incubating(people, applied, stage, today):
    _start, end = period(today)
    incubation = brought_to(applied, stage, people.staff, today)
    with pytest.raises(ValidationError, match="只能为孵化中的团队记录服务"):
        record_service(incubation=incubation, kind=IncubationServiceKind.SPACE, provided_on=end, actor=people.staff)
    assert not IncubationService.objects.exists()


def test_a_service_while_incubating_is_dated_within_the_incubation(people, applied, today):
    start, end = period(today)
    incubating = brought_to(applied, S.INCUBATING, people.staff, today)
    with pytest.raises(ValidationError, match="服务日期不能早于入驻日期"):
        record_service(
            incubation=incubating,
            kind=IncubationServiceKind.TRAINING,
            provided_on=start - datetime.timedelta(days=1),
            actor=people.staff,
        )
    with pytest.raises(ValidationError, match="请选择服务类型"):
        record_service(incubation=incubating, kind="money", provided_on=end, actor=people.staff)
    with pytest.raises(PermissionDenied):
        record_service(
            incubation=incubating, kind=IncubationServiceKind.SPACE, provided_on=end, actor=people.other_staff
        )
    service = record_service(
        incubation=incubating,
        kind=IncubationServiceKind.COACHING,
        provided_on=end,
        note="项目书辅导",
        actor=people.street,
    )
    assert list(incubating.services.all()) == [service]


# --- Scoping ---------------------------------------------------------------------------------------


@pytest.fixture
def both(tree, centres, people, applied):
    other = enter(centres.badaguan, people.other_staff, tree.taipingjiao, name="太平角社区读书会")
    return applied, other


def test_each_role_sees_the_centres_and_records_of_its_area(people, both):
    zhanshan, badaguan = both
    expected = {
        people.staff: {zhanshan},
        people.street: {zhanshan},
        people.other_staff: {badaguan},
        people.other_street: {badaguan},
        people.district: {zhanshan, badaguan},
        people.supervisor: set(),
        UserFactory(): set(),
    }
    for user, records in expected.items():
        assert set(incubations_for_user(user)) == records, user
        assert {c.pk for c in centres_for_user(user)} == {r.centre_id for r in records}, user


def test_the_admin_list_and_pages_answer_only_within_scope(client, people, both, today):
    start, _end = period(today)
    zhanshan, badaguan = both
    client.force_login(people.staff)
    listed = client.get(INDEX)
    assert [i.group_name for i in listed.context["object_list"]] == ["盐城路社区银发合唱队"]
    assert client.get(inspect_url(zhanshan)).status_code == 200
    assert client.get(inspect_url(badaguan)).status_code == 404
    assert client.get(reverse("incubations:edit", args=[badaguan.pk])).status_code == 404
    moved = client.post(
        inspect_url(badaguan),
        {"form": "stage", "stage-to_stage": S.INCUBATING, "stage-mentor": "李老师", "stage-on": start.isoformat()},
    )
    assert moved.status_code == 404
    assert Incubation.objects.get(pk=badaguan.pk).stage == S.APPLIED

    # The district reads both streets but keeps neither's records.
    client.force_login(people.district)
    assert {i.group_name for i in client.get(INDEX).context["object_list"]} == {
        "盐城路社区银发合唱队",
        "太平角社区读书会",
    }
    page = client.get(inspect_url(zhanshan)).content.decode()
    assert "盐城路社区银发合唱队" in page and 'name="form" value="stage"' not in page
    refused = client.post(
        inspect_url(zhanshan),
        {"form": "stage", "stage-to_stage": S.INCUBATING, "stage-mentor": "李老师", "stage-on": start.isoformat()},
    )
    assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))  # the admin's denial
    assert Incubation.objects.get(pk=zhanshan.pk).stage == S.APPLIED

    # A community supervisor and an organization account have no incubation pages at all.
    client.force_login(people.supervisor)
    assert client.get(inspect_url(zhanshan)).status_code == 404
    assert client.get(INDEX)["Location"] == reverse("wagtailadmin_home")


def test_the_centre_filter_offers_only_the_centres_in_scope(client, people, both):
    client.force_login(people.staff)
    response = client.get(INDEX)
    offered = {str(c) for c in response.context["filters"].form.fields["centre"].queryset}
    assert offered == {"湛山街道社会组织服务中心"}
    assert not client.get(INDEX, {"stage": S.INCUBATING}).context["object_list"]
    assert len(client.get(INDEX, {"stage": S.APPLIED}).context["object_list"]) == 1


def test_the_list_takes_a_constant_number_of_queries(client, tree, centres, people):
    client.force_login(people.staff)
    counts = []
    for total in (1, 3):
        while Incubation.objects.count() < total:
            enter(centres.zhanshan, people.staff, tree.yancheng, name=f"团队{Incubation.objects.count()}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INDEX).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_counts_by_street_come_in_one_query(tree, people, both, today):
    zhanshan, _badaguan = both
    brought_to(zhanshan, S.GRADUATED, people.staff, today)
    with CaptureQueriesContext(connection) as queries:
        counts = incubation_counts_by_street()
    assert len(queries) == 1
    assert counts == {
        tree.badaguan.code: {S.APPLIED: 1, S.INCUBATING: 0, S.GRADUATED: 0, S.WITHDRAWN: 0},
        tree.zhanshan.code: {S.APPLIED: 0, S.INCUBATING: 0, S.GRADUATED: 1, S.WITHDRAWN: 0},
    }


# --- The back office's forms -----------------------------------------------------------------------


def test_staff_enter_a_group_move_it_and_record_services_in_the_admin(client, tree, centres, people, today):
    start, end = period(today)
    client.force_login(people.staff)
    add = client.get(reverse("incubations:add"))
    assert set(add.context["form"].fields["centre"].queryset) == {centres.zhanshan}
    assert set(add.context["form"].fields["community"].queryset) == {tree.yancheng, tree.yangkou}
    data = {
        "centre": centres.zhanshan.pk,
        "group_name": "仰口路社区四点半课堂",
        "community": tree.yangkou.pk,
        "contact_person": "陈静",
        "contact_phone": "13800002222",
        "activities": "为双职工家庭的孩子提供课后看护。",
    }
    refused = client.post(reverse("incubations:add"), {**data, "community": tree.taipingjiao.pk})
    assert refused.status_code == 200 and not Incubation.objects.exists()
    created = client.post(reverse("incubations:add"), data)
    incubation = Incubation.objects.get()
    assert created["Location"] == inspect_url(incubation)

    # A refused move comes back on the page with what was typed.
    page = client.post(
        inspect_url(incubation),
        {"form": "stage", "stage-to_stage": S.INCUBATING, "stage-mentor": "", "stage-on": start.isoformat()},
    )
    assert page.status_code == 200 and "开始孵化须指定导师" in page.content.decode()
    assert page.context["stage_form"]["on"].value() == start.isoformat()
    client.post(
        inspect_url(incubation),
        {"form": "stage", "stage-to_stage": S.INCUBATING, "stage-mentor": "李老师", "stage-on": start.isoformat()},
    )
    client.post(
        inspect_url(incubation),
        {
            "form": "service",
            "service-kind": "training",
            "service-provided_on": end.isoformat(),
            "service-note": "财务培训",
        },
    )
    page = client.get(inspect_url(incubation)).content.decode()
    assert "孵化中" in page and "李老师" in page and "财务培训" in page and "已申请 → 孵化中" in page
    assert Incubation.objects.get().stage == S.INCUBATING


def test_a_street_officer_opens_its_centre_in_the_admin_and_only_in_its_street(client, tree, people):
    client.force_login(people.street)
    form = client.get(reverse("support_centres:add")).context["form"]
    assert list(form.fields["street"].queryset) == [tree.zhanshan]
    response = client.post(
        reverse("support_centres:add"),
        {"street": tree.badaguan.pk, "name": "八大关中心", "address": "", "opened_on": "", "contact_phone": ""},
    )
    assert response.status_code == 200 and not centres_for_user(people.district).exists()
    client.post(
        reverse("support_centres:add"),
        {
            "street": tree.zhanshan.pk,
            "name": "湛山中心",
            "address": "湛山路1号",
            "opened_on": "2024-09-08",
            "contact_phone": "",
        },
    )
    assert [c.name for c in centres_for_user(people.district)] == ["湛山中心"]


# --- Going on to a filing ----------------------------------------------------------------------------


def test_a_graduated_group_goes_on_to_a_filing_that_becomes_a_community_group(client, tree, people, applied, today):
    graduated = brought_to(applied, S.GRADUATED, people.staff, today)
    applicant = UserFactory(username="wangxiulan", email="wangxiulan@example.com")

    # Staff carry it over in the admin, naming the applicant by e-mail.
    client.force_login(people.staff)
    response = client.post(
        inspect_url(graduated),
        {
            "form": "carry",
            "carry-kind": ApplicationKind.FILING,
            "carry-email": "WangXiuLan@example.com",
            "carry-address": "盐城路8号",
        },
    )
    assert response.status_code == 302
    graduated.refresh_from_db()
    application = graduated.application
    assert application.applicant == applicant and application.kind == ApplicationKind.FILING
    assert application.state == ApplicationState.DRAFT and application.street == tree.zhanshan
    assert application.proposed == {
        "name": "盐城路社区银发合唱队",
        "community": tree.yancheng.pk,
        "legal_representative": "王秀兰",
        "business_scope": "组织社区老年人合唱排练和演出。",
        "address": "盐城路8号",
    }
    assert Notification.objects.filter(user=applicant, application=application).exists()

    # The applicant finds it in 我的组织 with the facts carried over, adds the documents and submits.
    client.force_login(applicant)
    page = client.get(reverse("account_application", args=[application.pk])).content.decode()
    for fact in ("盐城路社区银发合唱队", "盐城路社区", "王秀兰", "组织社区老年人合唱排练和演出。", "盐城路8号", "尚缺"):
        assert fact in page, fact
    file_required_materials(application)
    client.post(reverse("account_application_act", args=[application.pk]), {"action": ApplicationAction.SUBMIT})
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED

    # The federation pre-reviews; the street office accepts and approves.
    act_on_application(
        application=application, action=ApplicationAction.PRE_REVIEW, actor=people.staff, reason="孵化期表现良好。"
    )
    act_on_application(application=application, action=ApplicationAction.ACCEPT, actor=people.street)
    act_on_application(
        application=application, action=ApplicationAction.APPROVE, actor=people.street, reason="同意备案。"
    )
    group = Organization.objects.get(name="盐城路社区银发合唱队")
    assert group.kind == OrganizationKind.COMMUNITY_GROUP and group.community == tree.yancheng
    assert group.legal_representative == "王秀兰" and group.street == tree.zhanshan
    assert FILING_NUMBER_RE.match(group.filing_number)
    assert Incubation.objects.get(pk=graduated.pk).application.organization == group

    # Once only.
    with pytest.raises(ValidationError, match="已转入社区社会组织备案申请，不能重复办理"):
        start_filing_from_incubation(incubation=graduated, applicant=UserFactory(), actor=people.staff)
    client.force_login(people.staff)
    page = client.get(inspect_url(graduated)).content.decode()
    assert 'value="carry"' not in page and "已批准" in page


def test_a_group_may_go_on_to_register_as_a_social_group(people, applied, today):
    graduated = brought_to(applied, S.GRADUATED, people.staff, today)
    application = start_filing_from_incubation(
        incubation=graduated, applicant=UserFactory(), actor=people.street, kind=ApplicationKind.REGISTRATION
    )
    assert application.kind == ApplicationKind.REGISTRATION
    assert application.proposed["kind"] == OrganizationKind.SOCIAL_GROUP
    assert application.proposed["name"] == "盐城路社区银发合唱队"


@pytest.mark.parametrize("stage", [S.APPLIED, S.INCUBATING, S.WITHDRAWN])
def test_only_a_graduated_group_goes_on_to_a_filing(people, applied, stage, today):
    incubation = brought_to(applied, stage, people.staff, today)
    with pytest.raises(ValidationError, match="只有已出壳的团队"):
        start_filing_from_incubation(incubation=incubation, applicant=UserFactory(), actor=people.staff)
    assert not Application.objects.exists()


def test_the_applicant_is_a_site_account_and_the_actor_runs_the_centre(tree, people, applied, today):
    graduated = brought_to(applied, S.GRADUATED, people.staff, today)
    inactive = UserFactory(is_active=False)
    for applicant in (people.street, people.other_staff, inactive):
        with pytest.raises(ValidationError, match="申请人须是本站在用的网站账号"):
            start_filing_from_incubation(incubation=graduated, applicant=applicant, actor=people.staff)
    with pytest.raises(PermissionDenied):
        start_filing_from_incubation(incubation=graduated, applicant=UserFactory(), actor=people.other_staff)
    with pytest.raises(ValidationError, match="只能转入社区社会组织备案或社会团体成立登记"):
        start_filing_from_incubation(
            incubation=graduated, applicant=UserFactory(), actor=people.staff, kind=ApplicationKind.CHANGE
        )
    # An organization's account may file for a new group too.
    account = UserFactory()
    link_organization_account(user=account, organization=create_org(street=tree.zhanshan))
    assert (
        start_filing_from_incubation(incubation=graduated, applicant=account, actor=people.staff).applicant == account
    )


def test_an_unknown_email_is_an_error_on_the_form(client, people, applied, today):
    graduated = brought_to(applied, S.GRADUATED, people.staff, today)
    client.force_login(people.staff)
    page = client.post(
        inspect_url(graduated),
        {"form": "carry", "carry-kind": ApplicationKind.FILING, "carry-email": "nobody@example.com"},
    )
    assert page.status_code == 200 and "没有使用该电子邮箱的网站账号" in page.content.decode()
    assert not Application.objects.exists()
