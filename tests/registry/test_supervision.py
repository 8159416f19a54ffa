"""Supervision records: who may record what about which organization, the follow-up state
machine and its trail, and the scoped back office."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.enums import OrganizationKind, Role, SupervisionKind, SupervisionStatus
from registry.models import SupervisionAttachment, SupervisionFollowUp, SupervisionRecord
from registry.services.roles import link_organization_account
from registry.services.supervision import attach_supervision_file, follow_up, record_supervision
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

INDEX = reverse("supervision:index")
ADD = reverse("supervision:add")
DAY = datetime.date(2026, 3, 2)


@pytest.fixture
def orgs(tree):
    return {
        "yancheng": create_org(
            street=tree.zhanshan,
            community=tree.yancheng,
            name="盐城路社区志愿者服务队",
            kind=OrganizationKind.COMMUNITY_GROUP,
        ),
        "yangkou": create_org(street=tree.zhanshan, community=tree.yangkou, name="仰口路书画协会"),
        # Located at its street only: 太平角's supervisor has nothing of its community to see.
        "badaguan": create_org(street=tree.badaguan, name="八大关摄影协会"),
    }


@pytest.fixture
def supervisor(tree, make_officer):
    return make_officer(Role.COMMUNITY_SUPERVISOR, tree.yancheng)


def record(actor, organization, kind=SupervisionKind.COMPLAINT, summary="活动噪音扰民"):
    return record_supervision(
        actor=actor, organization=organization, kind=kind, occurred_on=DAY, summary=summary, details="居民来电反映。"
    )


# --- recording ---------------------------------------------------------------------------------


def test_a_community_supervisor_records_a_complaint_about_an_organization_of_its_community(supervisor, orgs):
    complaint = record(supervisor, orgs["yancheng"])
    complaint.refresh_from_db()
    assert complaint.kind == SupervisionKind.COMPLAINT
    assert complaint.recorded_by == supervisor
    assert complaint.status == SupervisionStatus.OPEN
    assert complaint.closed_at is None
    assert complaint.recorded_at is not None


def test_a_community_supervisor_may_not_record_about_another_community(supervisor, orgs):
    with pytest.raises(ValidationError) as caught:
        record(supervisor, orgs["yangkou"])
    assert caught.value.message_dict["organization"] == ["您无权对该组织记录监督情况。"]
    assert not SupervisionRecord.objects.exists()


def test_a_community_supervisor_may_not_record_an_inspection(supervisor, orgs):
    with pytest.raises(ValidationError) as caught:
        record(supervisor, orgs["yancheng"], kind=SupervisionKind.INSPECTION)
    assert "kind" in caught.value.message_dict
    assert not SupervisionRecord.objects.exists()


def test_a_street_officer_records_an_inspection_in_its_street_only(tree, orgs, make_officer):
    officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    inspection = record(officer, orgs["yangkou"], kind=SupervisionKind.INSPECTION, summary="年度检查")
    assert inspection.kind == SupervisionKind.INSPECTION
    with pytest.raises(ValidationError):
        record(officer, orgs["badaguan"], kind=SupervisionKind.INSPECTION)


def test_an_organization_account_records_nothing(tree, orgs):
    user = UserFactory()
    link_organization_account(user=user, organization=orgs["yancheng"])
    with pytest.raises(ValidationError):
        record(user, orgs["yancheng"])


def test_a_date_in_the_future_is_refused(supervisor, orgs):
    with pytest.raises(ValidationError) as caught:
        record_supervision(
            actor=supervisor,
            organization=orgs["yancheng"],
            kind=SupervisionKind.OBSERVATION,
            occurred_on=datetime.date(2999, 1, 1),
            summary="未来",
            details="",
        )
    assert "occurred_on" in caught.value.message_dict


# --- follow-up ---------------------------------------------------------------------------------


@pytest.fixture
def complaint(supervisor, orgs):
    return record(supervisor, orgs["yancheng"])


def test_follow_up_goes_open_in_progress_closed_and_leaves_a_trail(tree, complaint, make_officer):
    officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    follow_up(record=complaint, actor=officer, to_status=SupervisionStatus.IN_PROGRESS, note="已约谈负责人")
    follow_up(record=complaint, actor=officer, to_status=SupervisionStatus.CLOSED, note="已整改")
    complaint.refresh_from_db()
    assert complaint.status == SupervisionStatus.CLOSED
    assert complaint.closed_at is not None
    trail = list(complaint.follow_ups.values_list("actor", "from_status", "to_status", "note"))
    assert trail == [
        (officer.pk, "open", "in_progress", "已约谈负责人"),
        (officer.pk, "in_progress", "closed", "已整改"),
    ]


def test_an_open_record_may_be_closed_at_once(tree, complaint, make_officer):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    follow_up(record=complaint, actor=officer, to_status=SupervisionStatus.CLOSED, note="经核实不属实")
    complaint.refresh_from_db()
    assert complaint.status == SupervisionStatus.CLOSED
    assert complaint.follow_ups.count() == 1


@pytest.mark.parametrize(
    ("path", "to_status"),
    [
        ([], SupervisionStatus.OPEN),
        ([SupervisionStatus.IN_PROGRESS], SupervisionStatus.OPEN),
        ([SupervisionStatus.IN_PROGRESS], SupervisionStatus.IN_PROGRESS),
        ([SupervisionStatus.CLOSED], SupervisionStatus.OPEN),
        ([SupervisionStatus.CLOSED], SupervisionStatus.IN_PROGRESS),
        ([SupervisionStatus.CLOSED], SupervisionStatus.CLOSED),
        ([], "reopened"),
    ],
)
def test_every_other_transition_is_refused(tree, complaint, make_officer, path, to_status):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    for status in path:
        follow_up(record=complaint, actor=officer, to_status=status, note="处理")
    with pytest.raises(ValidationError) as caught:
        follow_up(record=complaint, actor=officer, to_status=to_status, note="再处理")
    assert "to_status" in caught.value.message_dict
    assert complaint.follow_ups.count() == len(path)


def test_a_note_is_required(tree, complaint, make_officer):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    with pytest.raises(ValidationError) as caught:
        follow_up(record=complaint, actor=officer, to_status=SupervisionStatus.CLOSED, note="   ")
    assert caught.value.message_dict["note"] == ["请填写处理意见。"]
    complaint.refresh_from_db()
    assert complaint.status == SupervisionStatus.OPEN
    assert not SupervisionFollowUp.objects.exists()


def test_only_officers_who_manage_the_organization_or_the_district_follow_up(tree, orgs, make_officer, supervisor):
    about_society = record(make_officer(Role.STREET_OFFICER, tree.zhanshan, "zs"), orgs["yangkou"])
    refused = [
        supervisor,
        make_officer(Role.COMMUNITY_SUPERVISOR, tree.yangkou),
        # A street manages community groups only; a registered society is the district's.
        make_officer(Role.STREET_OFFICER, tree.zhanshan),
        make_officer(Role.STREET_OFFICER, tree.badaguan),
    ]
    for actor in refused:
        with pytest.raises(ValidationError):
            follow_up(record=about_society, actor=actor, to_status=SupervisionStatus.CLOSED, note="处理")
    district = make_officer(Role.DISTRICT_OFFICER, tree.district)
    follow_up(record=about_society, actor=district, to_status=SupervisionStatus.CLOSED, note="已处理")
    assert about_society.follow_ups.get().actor == district


# --- back office -------------------------------------------------------------------------------


@pytest.fixture
def records(tree, orgs, make_officer, supervisor):
    return {
        "yancheng": record(supervisor, orgs["yancheng"], summary="盐城路投诉"),
        "yangkou": record(make_officer(Role.COMMUNITY_SUPERVISOR, tree.yangkou), orgs["yangkou"], summary="仰口路观察"),
        "badaguan": record(
            make_officer(Role.STREET_OFFICER, tree.badaguan), orgs["badaguan"], SupervisionKind.INSPECTION, "八大关检查"
        ),
    }


def summaries_in(response) -> set[str]:
    return {r.summary for r in response.context["object_list"]}


@pytest.mark.parametrize(
    ("role", "unit", "expected"),
    [
        (Role.CITY_OFFICER, "city", {"yancheng", "yangkou", "badaguan"}),
        (Role.DISTRICT_OFFICER, "district", {"yancheng", "yangkou", "badaguan"}),
        (Role.STREET_OFFICER, "zhanshan", {"yancheng", "yangkou"}),
        (Role.STREET_OFFICER, "badaguan", {"badaguan"}),
        (Role.COMMUNITY_SUPERVISOR, "yancheng", {"yancheng"}),
        (Role.COMMUNITY_SUPERVISOR, "yangkou", {"yangkou"}),
        (Role.COMMUNITY_SUPERVISOR, "taipingjiao", set()),
    ],
)
def test_each_role_lists_only_the_records_of_its_area(client, tree, records, make_officer, role, unit, expected):
    client.force_login(make_officer(role, getattr(tree, unit), f"lister_{role}_{unit}"))
    response = client.get(INDEX)
    assert response.status_code == 200
    assert summaries_in(response) == {records[key].summary for key in expected}


def test_an_organization_account_has_no_supervision_list(client, orgs, records):
    user = UserFactory()
    link_organization_account(user=user, organization=orgs["yancheng"])
    client.force_login(user)
    assert client.get(INDEX).status_code != 200


def test_search_and_filter_stay_within_scope(client, tree, records, make_officer):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    assert summaries_in(client.get(INDEX, {"q": "书画"})) == {"仰口路观察"}
    assert summaries_in(client.get(INDEX, {"q": "摄影"})) == set()
    assert summaries_in(client.get(INDEX, {"kind": "complaint"})) == {"盐城路投诉", "仰口路观察"}


def test_the_list_takes_a_constant_number_of_queries(client, tree, orgs, make_officer, supervisor):
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    counts = []
    for total in (1, 3):
        while SupervisionRecord.objects.count() < total:
            record(supervisor, orgs["yancheng"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INDEX).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_supervisor_records_through_the_add_view_choosing_among_its_communitys_organizations(
    client, orgs, supervisor
):
    client.force_login(supervisor)
    form = client.get(ADD).context["form"]
    assert list(form.fields["organization"].queryset) == [orgs["yancheng"]]
    assert {value for value, _ in form.fields["kind"].choices} == {"observation", "complaint"}
    response = client.post(
        ADD,
        {
            "organization": orgs["yancheng"].pk,
            "kind": "observation",
            "occurred_on": "2026-03-01",
            "summary": "活动场地整洁",
            "details": "",
        },
    )
    assert response.status_code == 302
    created = SupervisionRecord.objects.get()
    assert (created.organization, created.recorded_by, created.summary) == (
        orgs["yancheng"],
        supervisor,
        "活动场地整洁",
    )


def test_the_add_view_refuses_another_communitys_organization(client, orgs, supervisor):
    client.force_login(supervisor)
    response = client.post(
        ADD,
        {"organization": orgs["yangkou"].pk, "kind": "complaint", "occurred_on": "2026-03-01", "summary": "越权"},
    )
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert not SupervisionRecord.objects.exists()


def test_the_inspect_view_shows_the_follow_up_trail_within_scope(client, tree, records, make_officer):
    district = make_officer(Role.DISTRICT_OFFICER, tree.district)
    follow_up(record=records["yancheng"], actor=district, to_status=SupervisionStatus.IN_PROGRESS, note="转街道核查")
    url = reverse("supervision:inspect", args=[records["yancheng"].pk])
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    content = client.get(url).content.decode()
    assert "盐城路投诉" in content
    assert "待处理 → 处理中：转街道核查</li>" in content  # the trail, rendered as a list
    client.force_login(make_officer(Role.STREET_OFFICER, tree.badaguan))
    assert client.get(url).status_code == 404


def test_the_edit_view_is_the_follow_up_form(client, tree, records, make_officer):
    target = records["yancheng"]  # a community group: its street manages it
    url = reverse("supervision:edit", args=[target.pk])
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    form = client.get(url).context["form"]
    assert set(form.fields) == {"to_status", "note", "attachment"}
    assert client.post(url, {"to_status": "closed", "note": ""}).status_code == 200
    response = client.post(url, {"to_status": "closed", "note": "已核实整改"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == SupervisionStatus.CLOSED
    assert target.follow_ups.get().note == "已核实整改"
    # The summary as written is untouched, and another street cannot even find the record.
    assert target.summary == "盐城路投诉"
    client.force_login(make_officer(Role.STREET_OFFICER, tree.badaguan))
    assert client.get(url).status_code == 404


def test_supervisors_do_not_follow_up_and_nobody_deletes(client, tree, records, supervisor, make_officer):
    target = records["yancheng"]
    client.force_login(supervisor)
    client.post(reverse("supervision:edit", args=[target.pk]), {"to_status": "closed", "note": "x"})
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    client.post(reverse("supervision:delete", args=[target.pk]))
    target.refresh_from_db()
    assert target.status == SupervisionStatus.OPEN
    assert SupervisionRecord.objects.filter(pk=target.pk).exists()


# --- attachments -------------------------------------------------------------------------------

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def supervision_files() -> set[Path]:
    return {path for path in (Path(settings.PRIVATE_MEDIA_ROOT) / "supervision").rglob("*") if path.is_file()}


def test_a_record_is_made_with_a_photo_which_its_readers_download(client, tree, orgs, supervisor, make_officer):
    client.force_login(supervisor)
    response = client.post(
        ADD,
        {
            "organization": orgs["yancheng"].pk,
            "kind": "observation",
            "occurred_on": "2026-03-01",
            "summary": "活动现场",
            "attachment": SimpleUploadedFile("现场.jpg", JPEG),
        },
    )
    assert response.status_code == 302
    attachment = SupervisionAttachment.objects.get()
    assert (attachment.record.summary, attachment.original_name, attachment.content_type) == (
        "活动现场",
        "现场.jpg",
        "image/jpeg",
    )
    assert "现场" not in attachment.file.name  # stored under a random name
    url = reverse("supervision_attachment_download", args=[attachment.pk])
    assert b"".join(client.get(url).streaming_content) == JPEG
    inspect = client.get(reverse("supervision:inspect", args=[attachment.record_id])).content.decode()
    assert url in inspect
    # Another street's officer and the organization's own account cannot fetch it.
    client.force_login(make_officer(Role.STREET_OFFICER, tree.badaguan))
    assert client.get(url).status_code == 404
    account = UserFactory()
    link_organization_account(user=account, organization=orgs["yancheng"])
    client.force_login(account)
    assert client.get(url).status_code == 404


def test_a_disguised_file_is_refused_on_the_form_and_nothing_is_saved(client, orgs, supervisor):
    before = supervision_files()
    client.force_login(supervisor)
    response = client.post(
        ADD,
        {
            "organization": orgs["yancheng"].pk,
            "kind": "observation",
            "occurred_on": "2026-03-01",
            "summary": "活动现场",
            "attachment": SimpleUploadedFile("现场.jpg", EXE),
        },
    )
    assert response.status_code == 200
    assert "不是PDF、JPEG、PNG、XLSX文件" in str(response.context["form"].errors["attachment"])
    assert response.context["form"]["summary"].value() == "活动现场"  # what was typed is kept
    assert not SupervisionRecord.objects.exists()
    assert supervision_files() == before


def test_the_follow_up_adds_an_attachment(client, tree, records, make_officer):
    target = records["yancheng"]
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    response = client.post(
        reverse("supervision:edit", args=[target.pk]),
        {"to_status": "closed", "note": "已整改", "attachment": SimpleUploadedFile("整改.jpg", JPEG)},
    )
    assert response.status_code == 302
    assert target.attachments.get().uploaded_by.username == target.follow_ups.get().actor.username


def test_who_may_attach_and_how_many(tree, records, supervisor, make_officer, settings):
    target = records["yancheng"]
    other = make_officer(Role.COMMUNITY_SUPERVISOR, tree.yangkou)
    with pytest.raises(ValidationError, match="无权"):
        attach_supervision_file(record=target, actor=other, upload=SimpleUploadedFile("a.jpg", JPEG))
    settings.REGISTRY_ATTACHMENTS_PER_RECORD = 1
    attach_supervision_file(record=target, actor=supervisor, upload=SimpleUploadedFile("a.jpg", JPEG))
    with pytest.raises(ValidationError, match="最多上传1个附件"):
        attach_supervision_file(record=target, actor=supervisor, upload=SimpleUploadedFile("b.jpg", JPEG))
