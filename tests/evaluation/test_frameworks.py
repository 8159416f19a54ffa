"""Indicator frameworks: importing the two bundled files, every refusal of a bad file, versions,
freezing a framework in use, copying, editing that keeps parents equal to their children's sum,
the `load_frameworks` command and the back office's import, inspect and edit pages."""

import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from evaluation.enums import Grade
from evaluation.models import Campaign, CampaignFramework, Committee, Framework, GradeBand
from evaluation.services.frameworks import (
    FROZEN_MESSAGE,
    add_indicator,
    change_indicator,
    copy_framework,
    delete_indicator,
    framework_in_use,
    framework_problems,
    import_framework,
    save_bands,
    update_framework,
)
from evaluation.services.grading import framework_grade
from registry.enums import OrganizationKind, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
BUNDLED = Path(__file__).resolve().parents[2] / "evaluation" / "data" / "frameworks"


def bundled(name: str) -> dict:
    return json.loads((BUNDLED / name).read_text(encoding="utf-8"))


@pytest.fixture
def qingdao(db) -> Framework:
    return import_framework(bundled("qingdao-200.json"))


@pytest.fixture
def national(db) -> Framework:
    return import_framework(bundled("national-1000.json"))


def small_data(**changes) -> dict:
    """A valid 100-point framework: 1 (1.1 = 30, 1.2 = 20), 2 = 50; bands 3A ≥ 60, 4A ≥ 80."""
    data = {
        "code": "small-100",
        "name": "小型指标体系",
        "scale": 100,
        "applies_to": ["social_group"],
        "bands": [{"grade": "4A", "min": 80, "inclusive": True}, {"grade": "3A", "min": 60, "inclusive": True}],
        "indicators": [
            {
                "code": "1",
                "name": "基础条件",
                "max": 50,
                "children": [
                    {"code": "1.1", "name": "章程", "max": 30},
                    {"code": "1.2", "name": "党建", "max": 20, "veto_caps_grade": "3A"},
                ],
            },
            {"code": "2", "name": "工作绩效", "max": 50},
        ],
    }
    data.update(changes)
    return data


def problems_of(data) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        import_framework(data)
    return caught.value.messages


def use_in_campaign(framework: Framework, tree) -> Campaign:
    committee = Committee.objects.create(name="测试评估委员会", authority=tree.district)
    campaign = Campaign.objects.create(
        name="2026年度评估",
        year=2026,
        authority=tree.district,
        committee=committee,
        applications_open_on=datetime.date(2026, 3, 1),
        applications_close_on=datetime.date(2026, 6, 30),
        scoring_closes_on=datetime.date(2026, 9, 30),
    )
    CampaignFramework.objects.create(campaign=campaign, kind=OrganizationKind.SOCIAL_GROUP, framework=framework)
    return campaign


# --- The bundled frameworks


def test_both_bundled_frameworks_import_whole_and_without_problems(qingdao, national):
    assert (qingdao.code, qingdao.version, qingdao.scale) == ("qingdao-200", 1, D(200))
    assert qingdao.self_assessment_min_grade == Grade.A3
    assert qingdao.indicators.count() == 18
    assert national.indicators.count() == 33
    assert national.indicators.get(code="1.1.2").level == 3
    assert national.indicators.get(code="1.1.2").parent.code == "1.1"
    assert framework_problems(qingdao) == [] and framework_problems(national) == []
    # Reading order: every parent before its children.
    codes = list(national.indicators.order_by("position").values_list("code", flat=True))
    assert codes[:6] == ["1", "1.1", "1.1.1", "1.1.2", "1.1.3", "1.2"]


def test_level1_variants_name_an_indicator_for_a_kind(national):
    performance = national.indicators.get(code="3")
    assert performance.name_for(OrganizationKind.SERVICE_INSTITUTION) == "业务活动和诚信建设"
    assert performance.name_for(OrganizationKind.SOCIAL_GROUP) == "工作绩效"


@pytest.mark.parametrize(
    ("total", "grade"), [("200", "5A"), ("190.1", "5A"), ("190.0", "4A"), ("180.1", "4A"), ("160.1", "3A")]
)
def test_qingdao_bands_have_exclusive_lower_bounds(qingdao, total, grade):
    assert framework_grade(qingdao, D(total)) == grade


def test_qingdao_160_has_no_grade(qingdao):
    assert framework_grade(qingdao, D("160.0")) == ""


@pytest.mark.parametrize(("total", "grade"), [("900", "5A"), ("899.9", "4A"), ("500", "1A"), ("499.9", "")])
def test_national_bands_have_inclusive_lower_bounds(national, total, grade):
    assert framework_grade(national, D(total)) == grade


def test_the_qingdao_party_item_is_a_veto_that_caps_at_4a(qingdao):
    veto = qingdao.indicators.get(veto_caps_grade__gt="")
    assert (veto.code, veto.veto_caps_grade) == ("1.1", Grade.A4)
    assert framework_grade(qingdao, D("195"), veto_caps=[veto.veto_caps_grade]) == "4A"


# --- Refusals: every problem at once, in Chinese, with the indicator's code


def test_a_parent_whose_children_do_not_add_up_is_refused_with_the_numbers():
    data = small_data()
    data["indicators"][0]["children"][0]["max"] = 25
    assert problems_of(data) == [
        "指标 1：分值 50 不等于下级指标分值之和 45（25 + 20）。",
        "末级指标分值之和为 95，不等于总分 100。",
    ]


def test_leaves_that_do_not_reach_the_scale_are_refused():
    assert problems_of(small_data(scale=120)) == ["末级指标分值之和为 100，不等于总分 120。"]


def test_every_kind_of_problem_is_listed_together():
    data = small_data(applies_to=["social_group", "company"], self_assessment_min_grade="6A")
    data["bands"] = [
        {"grade": "5A", "min": 70, "inclusive": True},
        {"grade": "4A", "min": 80, "inclusive": True},
        {"grade": "4A", "min": 85},
        {"grade": "3A", "min": 120},
        {"grade": "7A", "min": 10},
        {"grade": "2A", "min": "50"},
    ]
    data["indicators"][0]["children"][0]["max"] = -5
    data["indicators"][0]["children"][1]["code"] = "1.1"
    data["indicators"][1]["max"] = 50.25
    data["indicators"][1]["veto_caps_grade"] = "9A"
    data["indicators"][1]["vetoes"] = "3A"
    data["indicators"][1]["children"] = [
        {
            "code": "2.1",
            "name": "二级",
            "max": 50,
            "children": [
                {
                    "code": "2.1.1",
                    "name": "三级",
                    "max": 50,
                    "children": [{"code": "2.1.1.1", "name": "四级", "max": 50}],
                }
            ],
        }
    ]
    messages = problems_of(data)
    for expected in [
        "指标体系：未知的组织类型“company”。",
        "指标体系：自评最低等级“6A”不是已知的等级（5A至1A）。",
        "等级分数线第5项：等级“7A”不是已知的等级（5A至1A）。",
        "等级分数线第6项：分数下限应为数字。",
        "指标 2：分值最多保留一位小数。",
        "指标 2：否决项最高等级“9A”不是已知的等级（5A至1A）。",
        "指标 2：未知字段“vetoes”。",
        "等级 4A 的分数线重复。",
        "等级 3A 的分数下限 120 应在 0 到总分 100 之间。",
        "等级 5A 的分数线（5A ≥ 70）应高于等级 4A 的分数线（4A ≥ 80）。",
        "指标 1.1：编号重复。",
        "指标 1.1：分值不能为负数（-5）。",
        "指标 2.1.1.1：指标最多三级，此项为第4级。",
    ]:
        assert expected in messages, expected
    assert Framework.objects.count() == 0


def test_a_veto_on_a_parent_and_an_unknown_variant_are_refused():
    data = small_data(level1_variants={"foundation": {"1": "基础"}, "social_group": {"9": "无此项"}, "bank": {}})
    data["indicators"][0]["veto_caps_grade"] = "4A"
    messages = problems_of(data)
    assert "指标 1：只有末级指标可以设为否决项。" in messages
    assert "level1_variants：组织类型“foundation”不在适用组织类型中。" in messages
    assert "level1_variants：“9”不是一级指标的编号。" in messages
    assert "level1_variants：未知的组织类型“bank”。" in messages


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1, 2], "指标体系：文件内容应为一个JSON对象。"),
        ({}, "指标体系：缺少代码。"),
        (small_data(code="青岛 200"), "指标体系：代码“青岛 200”只能包含字母、数字、连字符和下划线。"),
        (small_data(scale=0), "指标体系：总分应大于0。"),
        (small_data(scale=True), "指标体系：总分应为数字。"),
        (small_data(bands={"5A": 90}), "等级分数线：bands 应为列表。"),
        (small_data(indicators=[]), "指标体系：indicators/children 应为非空列表。"),
        (small_data(applies_to=[]), "指标体系：适用组织类型（applies_to）应为非空列表。"),
    ],
)
def test_a_wrong_shape_is_refused_with_a_clear_message(data, expected):
    assert expected in problems_of(data)


# --- Versions


def test_importing_the_same_content_again_returns_the_same_version(qingdao):
    again = import_framework(bundled("qingdao-200.json"))
    assert again == qingdao
    assert Framework.objects.filter(code="qingdao-200").count() == 1


def test_changed_content_under_the_same_code_becomes_the_next_version(qingdao):
    data = bundled("qingdao-200.json")
    data["bands"][0]["min"] = 185
    second = import_framework(data)
    assert (second.code, second.version) == ("qingdao-200", 2)
    assert framework_grade(second, D("186")) == "5A"
    assert framework_grade(qingdao, D("186")) == "4A"  # the first version is untouched
    assert import_framework(data) == second


# --- Frozen when in use; copies


def test_a_framework_in_use_is_frozen_for_every_write(qingdao, tree):
    use_in_campaign(qingdao, tree)
    assert framework_in_use(qingdao)
    leaf = qingdao.indicators.get(code="1.2")
    writes = [
        lambda: change_indicator(indicator=leaf, data={"max_points": D(5)}),
        lambda: add_indicator(framework=qingdao, parent=None, data={"code": "6", "name": "新", "max_points": D(1)}),
        lambda: delete_indicator(indicator=leaf),
        lambda: save_bands(framework=qingdao, bands=[{"grade": "5A", "min_score": D(150), "inclusive": True}]),
        lambda: update_framework(
            framework=qingdao,
            data={"name": "改名", "scale": D(200), "applies_to": ["social_group"], "self_assessment_min_grade": ""},
        ),
    ]
    for write in writes:
        with pytest.raises(ValidationError) as caught:
            write()
        assert caught.value.messages == [str(FROZEN_MESSAGE)]
    leaf.refresh_from_db()
    assert leaf.max_points == D(10)
    assert qingdao.bands.count() == 3


def test_a_copy_is_the_next_version_with_the_whole_tree_and_can_be_edited(national, tree):
    use_in_campaign(national, tree)
    user = UserFactory()
    copied = copy_framework(national, user)
    assert (copied.code, copied.version, copied.created_by) == ("national-1000", 2, user)
    assert not framework_in_use(copied)
    assert framework_problems(copied) == []
    pairs = lambda f: list(f.indicators.order_by("position").values_list("code", "parent__code", "max_points"))  # noqa: E731
    assert pairs(copied) == pairs(national)
    assert sorted(copied.bands.values_list("grade", "min_score")) == sorted(
        national.bands.values_list("grade", "min_score")
    )
    assert copied.indicators.get(code="3").name_for(OrganizationKind.SERVICE_INSTITUTION) == "业务活动和诚信建设"
    change_indicator(indicator=copied.indicators.get(code="1.1.1"), data={"max_points": D(10)})
    assert national.indicators.get(code="1.1.1").max_points == D(5)


# --- Editing keeps every parent equal to its children's sum


def test_changing_a_leaf_carries_the_difference_up_to_its_ancestors(national):
    change_indicator(indicator=national.indicators.get(code="1.1.2"), data={"max_points": D("12.5")})
    assert national.indicators.get(code="1.1").max_points == D("22.5")
    assert national.indicators.get(code="1").max_points == D("62.5")
    assert framework_problems(national) == ["末级指标分值之和为 1002.5，不等于总分 1000。"]
    change_indicator(indicator=national.indicators.get(code="1.1.3"), data={"max_points": D("2.5")})
    assert framework_problems(national) == []


def test_a_parent_cannot_be_set_to_other_than_its_childrens_sum(national):
    parent = national.indicators.get(code="1.1")
    with pytest.raises(ValidationError) as caught:
        change_indicator(indicator=parent, data={"max_points": D(25)})
    assert caught.value.message_dict["max_points"] == [
        "指标 1.1 有下级指标，分值须等于下级指标分值之和：5 + 10 + 5 = 20，不能改为 25。请修改下级指标的分值。"
    ]
    parent.refresh_from_db()
    assert parent.max_points == D(20)


def test_adding_and_deleting_indicators_keeps_the_sums_and_the_reading_order(qingdao):
    parent = qingdao.indicators.get(code="2")
    added = add_indicator(
        framework=qingdao,
        parent=parent,
        data={"code": "2.4", "name": "活动场所", "max_points": D(4), "guidance": "有固定场所"},
    )
    assert (added.level, added.parent) == (2, parent)
    parent.refresh_from_db()
    assert parent.max_points == D(24)
    codes = list(qingdao.indicators.order_by("position").values_list("code", flat=True))
    assert codes.index("2.4") == codes.index("2.3") + 1 and codes.index("3") == codes.index("2.4") + 1
    delete_indicator(indicator=added)
    parent.refresh_from_db()
    assert parent.max_points == D(20)
    assert framework_problems(qingdao) == []


def test_deleting_the_only_child_leaves_the_parent_a_leaf_with_its_points(national):
    parent = national.indicators.get(code="1.1")
    for code in ("1.1.1", "1.1.2"):
        delete_indicator(indicator=national.indicators.get(code=code))
    parent.refresh_from_db()
    assert parent.max_points == D(5)
    delete_indicator(indicator=national.indicators.get(code="1.1.3"))
    parent.refresh_from_db()
    assert parent.max_points == D(5) and not parent.children.exists()


def test_adding_refuses_a_fourth_level_a_duplicate_code_and_a_child_of_a_veto(national, qingdao):
    with pytest.raises(ValidationError, match="最多三级"):
        add_indicator(
            framework=national,
            parent=national.indicators.get(code="1.1.1"),
            data={"code": "x", "name": "x", "max_points": D(1)},
        )
    with pytest.raises(ValidationError, match=r"已有编号为 1\.2 的指标"):
        add_indicator(framework=national, parent=None, data={"code": "1.2", "name": "x", "max_points": D(1)})
    with pytest.raises(ValidationError, match="是否决项"):
        add_indicator(
            framework=qingdao,
            parent=qingdao.indicators.get(code="1.1"),
            data={"code": "1.1.1", "name": "x", "max_points": D(1)},
        )
    with pytest.raises(ValidationError, match="不属于该指标体系"):
        add_indicator(
            framework=national,
            parent=qingdao.indicators.get(code="1"),
            data={"code": "9", "name": "x", "max_points": D(1)},
        )


def test_bands_are_saved_together_and_must_rise_with_the_grade(qingdao):
    with pytest.raises(ValidationError) as caught:
        save_bands(
            framework=qingdao,
            bands=[
                {"grade": "5A", "min_score": D(180), "inclusive": True},
                {"grade": "4A", "min_score": D(180), "inclusive": False},
            ],
        )
    assert caught.value.messages == ["等级 5A 的分数线（5A ≥ 180）应高于等级 4A 的分数线（4A > 180）。"]
    assert qingdao.bands.count() == 3
    save_bands(
        framework=qingdao,
        bands=[
            {"grade": "5A", "min_score": D(180), "inclusive": False},
            {"grade": "4A", "min_score": D(180), "inclusive": True},
        ],
    )
    assert framework_grade(qingdao, D(180)) == "4A" and framework_grade(qingdao, D("180.1")) == "5A"
    # The self-assessment bar (3A) lost its band: the whole-tree check says so.
    assert framework_problems(qingdao) == ["自评最低等级 3A 没有对应的等级分数线。"]


# --- The command


def test_load_frameworks_loads_the_bundled_files_once(db):
    out = io.StringIO()
    call_command("load_frameworks", stdout=out)
    assert out.getvalue().splitlines() == [
        "已导入：national-1000 第1版 社会组织评估指标（示例，1000分制）",
        "已导入：qingdao-200 第1版 社会组织评估指标（示例，200分制，3A至5A）",
        "已导入：venture-100 第1版 公益创投项目评审表（100分制）",
    ]
    out = io.StringIO()
    call_command("load_frameworks", stdout=out)
    assert "已存在：qingdao-200 第1版" in out.getvalue()
    assert Framework.objects.count() == 3
    # A scoring sheet has no grade bands: fine for a venture review, not for an evaluation.
    sheet = Framework.objects.get(code="venture-100")
    assert framework_problems(sheet, graded=False) == []
    assert framework_problems(sheet) == ["没有等级分数线。"]


def test_load_frameworks_reports_a_bad_file_and_writes_nothing(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(small_data(scale=120)), encoding="utf-8")
    with pytest.raises(CommandError, match="末级指标分值之和为 100，不等于总分 120"):
        call_command("load_frameworks", str(path), stdout=io.StringIO())
    (tmp_path / "not.json").write_bytes(b"MZ\x90\x00binary")
    with pytest.raises(CommandError, match="不是UTF-8编码的JSON文本"):
        call_command("load_frameworks", str(tmp_path / "not.json"), stdout=io.StringIO())
    assert Framework.objects.count() == 0


# --- The back office


@pytest.fixture
def officer(make_officer, tree):
    return make_officer(Role.DISTRICT_OFFICER, tree.district)


def upload(client, name: str, content: bytes):
    return client.post(reverse("evaluation_framework_import"), {"file": SimpleUploadedFile(name, content)})


def test_an_officer_imports_a_framework_file_in_the_admin(client, officer):
    client.force_login(officer)
    assert "上传并导入" in client.get(reverse("evaluation_framework_import")).content.decode()
    response = upload(client, "qingdao.json", (BUNDLED / "qingdao-200.json").read_bytes())
    framework = Framework.objects.get(code="qingdao-200")
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation_frameworks:inspect", args=[framework.pk])
    assert framework.created_by == officer


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.json", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "文件不是UTF-8编码的JSON文本。"),
        ("broken.json", b'{"code": "x",', "文件不是有效的JSON"),
        ("list.json", b"[1, 2]", "文件内容应为一个JSON对象。"),
        ("sum.json", json.dumps(small_data(scale=120)).encode(), "末级指标分值之和为 100，不等于总分 120。"),
    ],
)
def test_the_admin_import_refuses_a_bad_file_and_saves_nothing(client, officer, name, content, message):
    client.force_login(officer)
    response = upload(client, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Framework.objects.count() == 0


def test_the_admin_import_refuses_a_file_too_large(client, officer, settings):
    client.force_login(officer)
    response = upload(client, "big.json", b" " * (1024 * 1024 + 1))
    assert "文件过大" in response.content.decode()


def test_only_city_and_district_officers_import_and_copy(client, make_officer, tree, qingdao):
    street = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    client.force_login(street)
    assert client.get(reverse("evaluation_frameworks:index")).status_code == 200  # reading is open
    assert client.get(reverse("evaluation_frameworks:inspect", args=[qingdao.pk])).status_code == 200
    response = upload(client, "q.json", json.dumps(small_data()).encode())
    assert response.status_code == 302 and Framework.objects.count() == 1
    response = client.post(reverse("evaluation_framework_copy", args=[qingdao.pk]))
    assert response.status_code == 302 and Framework.objects.count() == 1
    assert client.get(reverse("evaluation_indicators:edit", args=[qingdao.indicators.first().pk])).status_code == 302
    assert client.get(reverse("evaluation_framework_bands", args=[qingdao.pk])).status_code == 302


def test_the_inspect_page_shows_the_tree_bands_and_problems(client, officer, national):
    client.force_login(officer)
    page = client.get(reverse("evaluation_frameworks:inspect", args=[national.pk])).content.decode()
    for text in ("1.1.2", "活动资金", "年末净资产不低于登记时的活动资金", "年度财务报表", "党组织建设", "≥ 900"):
        assert text in page
    assert 'data-level="3"' in page
    change_indicator(indicator=national.indicators.get(code="1.2"), data={"max_points": D(11)})
    page = client.get(reverse("evaluation_frameworks:inspect", args=[national.pk])).content.decode()
    assert "末级指标分值之和为 1001，不等于总分 1000。" in page


def test_an_officer_copies_a_framework_in_use_and_edits_the_copy(client, officer, qingdao, tree):
    use_in_campaign(qingdao, tree)
    client.force_login(officer)
    leaf = qingdao.indicators.get(code="1.2")
    form = {
        "code": "1.2",
        "name": "党建活动",
        "max_points": "8",
        "guidance": "",
        "evidence": "",
        "veto_caps_grade": "",
        "name_by_kind": "{}",
    }
    response = client.post(reverse("evaluation_indicators:edit", args=[leaf.pk]), form)
    assert response.status_code == 302  # sent back to the framework with the reason
    leaf.refresh_from_db()
    assert leaf.max_points == D(10)
    response = client.post(reverse("evaluation_framework_copy", args=[qingdao.pk]))
    copied = Framework.objects.get(code="qingdao-200", version=2)
    assert response["Location"] == reverse("evaluation_frameworks:inspect", args=[copied.pk])
    copied_leaf = copied.indicators.get(code="1.2")
    response = client.post(reverse("evaluation_indicators:edit", args=[copied_leaf.pk]), form)
    assert response.status_code == 302
    copied_leaf.refresh_from_db()
    assert copied_leaf.max_points == D(8)
    assert copied.indicators.get(code="1").max_points == D(18)


def test_the_admin_refuses_a_parent_max_that_breaks_the_sum_and_keeps_the_input(client, officer, qingdao):
    client.force_login(officer)
    parent = qingdao.indicators.get(code="3")
    form = {
        "code": "3",
        "name": "内部治理",
        "max_points": "75",
        "guidance": "说明",
        "evidence": "",
        "veto_caps_grade": "",
        "name_by_kind": "{}",
    }
    response = client.post(reverse("evaluation_indicators:edit", args=[parent.pk]), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "20 + 30 + 20 = 70，不能改为 75" in page
    assert 'value="75"' in page


def test_an_officer_edits_the_bands_of_a_free_framework(client, officer, qingdao):
    client.force_login(officer)
    url = reverse("evaluation_framework_bands", args=[qingdao.pk])
    assert client.get(url).status_code == 200
    data = {"5A-min_score": "185", "5A-inclusive": "", "4A-min_score": "175", "4A-inclusive": "on"}
    data |= {"3A-min_score": "160", "3A-inclusive": "", "2A-min_score": "", "1A-min_score": ""}
    response = client.post(url, data)
    assert response.status_code == 302
    assert framework_grade(qingdao, D("175")) == "4A"
    assert framework_grade(qingdao, D("185.1")) == "5A"
    data["4A-min_score"] = "190"
    response = client.post(url, data)
    assert "应高于等级 4A 的分数线" in response.content.decode()
    assert GradeBand.objects.get(framework=qingdao, grade="4A").min_score == D(175)


def test_framework_list_queries_do_not_grow_with_the_rows(client, officer, qingdao):
    client.force_login(officer)
    client.get(reverse("evaluation_frameworks:index"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("evaluation_frameworks:index"))
    for n in range(3):
        import_framework(small_data(code=f"extra-{n}"))
    with CaptureQueriesContext(connection) as four:
        page = client.get(reverse("evaluation_frameworks:index")).content.decode()
    assert "extra-2" in page and "qingdao-200" in page
    assert "导入指标体系（JSON）" in page
    assert len(four.captured_queries) == len(one.captured_queries)


def test_an_officer_adds_a_child_indicator_from_the_framework_page(client, officer, qingdao):
    client.force_login(officer)
    parent = qingdao.indicators.get(code="5")
    url = reverse("evaluation_indicators:add") + f"?framework={qingdao.pk}&parent={parent.pk}"
    form = client.get(url).context["form"]
    assert form["parent"].value() == parent.pk
    assert set(form.fields["parent"].queryset) == set(qingdao.indicators.filter(level__lt=3))
    data = {"framework": qingdao.pk, "parent": parent.pk, "code": "5.3", "name": "媒体评价", "max_points": "5"}
    data |= {"guidance": "", "evidence": "新闻报道", "veto_caps_grade": "", "name_by_kind": ""}
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation_frameworks:inspect", args=[qingdao.pk])
    parent.refresh_from_db()
    assert parent.max_points == D(25)
    assert qingdao.indicators.get(code="5.3").evidence == "新闻报道"


@pytest.mark.parametrize("typed", ["²", "١٢", "9" * 30, "-1", "x"])
def test_an_indicator_address_without_a_usable_id_gives_the_form_not_an_error_page(client, officer, qingdao, typed):
    # "²" passes str.isdigit() but not int(); the ids come from the address and the posted form.
    client.force_login(officer)
    url = reverse("evaluation_indicators:add")
    response = client.get(url, {"framework": qingdao.pk, "parent": typed})
    assert response.status_code == 200 and response.context["form"]["parent"].value() is None
    data = {"framework": typed, "code": "6", "name": "新增", "max_points": "1"}
    response = client.post(f"{url}?{urlencode({'framework': typed})}", data)
    assert response.status_code == 200 and "framework" in response.context["form"].errors
    assert not qingdao.indicators.filter(code="6").exists()


def test_readers_see_the_framework_page_without_edit_links(client, make_officer, tree, qingdao):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    page = client.get(reverse("evaluation_frameworks:inspect", args=[qingdao.pk])).content.decode()
    assert "党组织覆盖" in page and "得0分时最高4A" in page
    assert "复制为新版本" not in page and reverse("evaluation_indicators:add") not in page


def test_an_officer_starts_a_framework_by_hand_and_sees_what_it_lacks(client, officer, qingdao):
    client.force_login(officer)
    data = {"code": "qingdao-200", "name": "手工指标体系", "scale": "200", "applies_to": ["social_group"]}
    response = client.post(reverse("evaluation_frameworks:add"), data | {"self_assessment_min_grade": ""})
    framework = Framework.objects.get(name="手工指标体系")
    assert (framework.code, framework.version, framework.created_by) == ("qingdao-200", 2, officer)
    assert response["Location"] == reverse("evaluation_frameworks:inspect", args=[framework.pk])
    page = client.get(response["Location"]).content.decode()
    assert "没有等级分数线。" in page and "没有任何指标。" in page
    edit = {"name": "手工指标体系（修订）", "scale": "100", "applies_to": [], "self_assessment_min_grade": ""}
    response = client.post(reverse("evaluation_frameworks:edit", args=[framework.pk]), edit)
    assert response.status_code == 200 and not Framework.objects.filter(name="手工指标体系（修订）").exists()
    edit["applies_to"] = ["social_group", "foundation"]
    response = client.post(reverse("evaluation_frameworks:edit", args=[framework.pk]), edit)
    framework.refresh_from_db()
    assert (framework.name, framework.scale, framework.applies_to) == (
        "手工指标体系（修订）",
        D(100),
        ["social_group", "foundation"],
    )
