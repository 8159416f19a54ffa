"""The applicant's application forms on the site: the steps of a filing, a registration, a change and
a deregistration; drafts that keep what was typed; the application's page with its facts and
documents; submission; and the officers' decisions that follow."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.site_structure import ensure_site_pages
from registry.enums import ApplicationAction as A
from registry.enums import ApplicationKind, MaterialKind, OrganizationKind, OrganizationStatus, Role
from registry.enums import ApplicationState as S
from registry.models import Application, ApplicationEvent, Organization, OrganizationAccount, OrganizationChange
from registry.services.applications import MATERIALS, act_on_application, attach_material, start_application
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org, make_uscc

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ID_NUMBER = "370202198001010010"
WRONG_ID = "370202198001010017"  # the check character should be 0
NEW = "/account/applications/new/"


@pytest.fixture
def applicant(client, tree):
    user = UserFactory(username="applicant@example.com", email="applicant@example.com")
    client.force_login(user)
    return user


@pytest.fixture
def society(tree, applicant):
    """A registered social group the applicant acts for."""
    organization = create_org(
        street=tree.zhanshan, name="湛山书画研究会", community=tree.yancheng, address="湛山路8号", member_count=60
    )
    link_organization_account(user=applicant, organization=organization)
    return organization


def filing_data(tree, **overrides):
    return {
        "name": "盐城路社区书画社",
        "street": tree.zhanshan.pk,
        "community": tree.yancheng.pk,
        "address": "湛山路8号",
        "legal_representative": "张敏",
        "business_scope": "书画交流",
        "founded_on": "2026-03-01",
        **overrides,
    }


def basics(tree, **overrides):
    return {
        "name": "青岛市市南区老年书画研究会",
        "kind": OrganizationKind.SOCIAL_GROUP,
        "category": "public_welfare",
        "street": tree.zhanshan.pk,
        "community": tree.yancheng.pk,
        "address": "湛山路9号",
        "founded_on": "2026-02-01",
        **overrides,
    }


PEOPLE = {
    "legal_representative": "王强",
    "legal_representative_id_number": ID_NUMBER,
    "legal_representative_phone": "13800000000",
    "public_phone": "0532-88886666",
    "member_count": "60",
}
ACTIVITY = {"business_scope": "书画交流、展览、培训", "activity_area": "青岛市市南区", "registered_capital": "30000"}


def step_url(application, step):
    return f"/account/applications/{application.pk}/edit/{step}/"


def page_of(application):
    return f"/account/applications/{application.pk}/"


def upload(client, application, *kinds):
    for kind in kinds:
        response = client.post(
            reverse("account_material_upload", args=[application.pk]),
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF)},
        )
        assert response.status_code == 302


def upload_required(client, application):
    upload(client, application, *MATERIALS[application.kind].required)


def submit(client, application, **kwargs):
    return client.post(f"/account/applications/{application.pk}/act/", {"action": "submit"}, **kwargs)


def register_through_the_steps(client, tree) -> Application:
    response = client.post(NEW + "registration/", {**basics(tree), "next": ""})
    application = Application.objects.get(kind=ApplicationKind.REGISTRATION)
    assert response["Location"] == step_url(application, "people")
    assert client.post(step_url(application, "people"), {**PEOPLE, "next": ""})["Location"] == step_url(
        application, "activity"
    )
    assert client.post(step_url(application, "activity"), {**ACTIVITY, "next": ""})["Location"] == page_of(application)
    return application


# --- Filing ----------------------------------------------------------------------------------------


def test_a_filing_is_saved_then_submitted_with_its_materials_and_the_timeline_shows_it(client, tree, applicant):
    response = client.post(NEW + "filing/", {**filing_data(tree), "save": ""})
    application = Application.objects.get(applicant=applicant)
    assert response.status_code == 302 and response["Location"] == page_of(application)
    assert application.kind == ApplicationKind.FILING and application.state == S.DRAFT
    assert application.street == tree.zhanshan
    assert application.proposed == {
        "name": "盐城路社区书画社",
        "community": tree.yancheng.pk,
        "address": "湛山路8号",
        "legal_representative": "张敏",
        "business_scope": "书画交流",
        "founded_on": "2026-03-01",
    }
    response = client.post(step_url(application, "facts"), {**filing_data(tree, address="湛山路9号"), "next": ""})
    assert response["Location"] == page_of(application)

    # The page lists what the kind needs and refuses to submit while something required is missing.
    page = client.get(page_of(application)).content.decode()
    assert "章程" in page and "成员名单" in page and "负责人身份证明" in page and "尚缺" in page
    refused = submit(client, application, follow=True).content.decode()
    assert "还缺少必需的申请材料：章程、成员名单、负责人身份证明" in refused
    assert Application.objects.get(pk=application.pk).state == S.DRAFT

    upload_required(client, application)
    submit(client, application)
    application.refresh_from_db()
    assert application.state == S.SUBMITTED and application.proposed["address"] == "湛山路9号"
    page = client.get(page_of(application)).content.decode()
    assert "已提交" in page and "湛山路9号" in page and "盐城路社区" in page and "尚缺" not in page
    timeline = page.split("办理进度", 1)[1]
    assert "提交" in timeline and "本人" in timeline
    assert list(ApplicationEvent.objects.filter(application=application).values_list("action", flat=True)) == [A.SUBMIT]


def test_a_draft_may_leave_fields_empty_but_moving_on_needs_them(client, tree, applicant):
    client.post(NEW + "filing/", {"street": tree.zhanshan.pk, "address": "湛山路8号", "save": ""})
    application = Application.objects.get(applicant=applicant)
    assert application.state == S.DRAFT and application.proposed["address"] == "湛山路8号"

    response = client.post(step_url(application, "facts"), {"address": "湛山路8号", "founded_on": "明年", "next": ""})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"name", "legal_representative", "community", "founded_on"}
    assert "草稿已保存" in response.content.decode()
    application.refresh_from_db()
    # Even the date that is not one is kept as typed, and shown again.
    assert application.proposed["address"] == "湛山路8号" and application.proposed["founded_on"] == "明年"
    assert 'value="明年"' in client.get(step_url(application, "facts")).content.decode()


def test_a_community_of_another_street_keeps_the_draft_and_says_why(client, tree, applicant):
    response = client.post(NEW + "filing/", {**filing_data(tree, community=tree.taipingjiao.pk), "next": ""})
    assert response.status_code == 200
    assert "所选社区不属于湛山街道" in response.content.decode()
    application = Application.objects.get(applicant=applicant)
    assert application.proposed["name"] == "盐城路社区书画社" and application.proposed["address"] == "湛山路8号"
    # The form now posts to the draft's step, so a second try does not open another draft.
    assert response.context["form_action"] == step_url(application, "facts")
    client.post(response.context["form_action"], {**filing_data(tree), "next": ""})
    assert Application.objects.filter(applicant=applicant).count() == 1
    assert Application.objects.get(pk=application.pk).proposed["community"] == tree.yancheng.pk


def test_without_a_street_nothing_is_created_and_the_typed_values_stay(client, tree, applicant):
    response = client.post(NEW + "filing/", {"name": "书画社", "street": "", "save": ""})
    assert response.status_code == 200 and "street" in response.context["form"].errors
    assert 'value="书画社"' in response.content.decode()
    assert not Application.objects.exists()


def test_the_applicant_withdraws_by_post_and_only_offered_actions_show(client, tree, applicant):
    application = start_application(
        applicant=applicant, kind=ApplicationKind.FILING, street=tree.badaguan, proposed={"name": "太平角合唱团"}
    )
    page = client.get(page_of(application)).content.decode()
    assert 'value="submit"' in page and 'value="withdraw"' in page
    assert client.post(f"/account/applications/{application.pk}/act/", {"action": "withdraw"}).status_code == 302
    application.refresh_from_db()
    assert application.state == S.WITHDRAWN
    page = client.get(page_of(application)).content.decode()
    assert 'value="submit"' not in page and "已撤回" in page
    assert f"/account/applications/{application.pk}/materials/" not in page  # no more uploads
    assert client.get(f"/account/applications/{application.pk}/edit/").status_code == 302
    assert client.get(step_url(application, "facts"))["Location"] == page_of(application)


def test_a_returned_application_can_be_edited_and_resubmitted(client, tree, applicant, make_officer):
    officer = make_officer(Role.STREET_OFFICER, tree.badaguan, "street_badaguan")
    proposed = {
        "name": "太平角合唱团",
        "community": tree.taipingjiao.pk,
        "address": "太平角一路",
        "legal_representative": "李华",
    }
    application = start_application(
        applicant=applicant, kind=ApplicationKind.FILING, street=tree.badaguan, proposed=proposed
    )
    upload_required(client, application)
    submit(client, application)
    act_on_application(application=application, action=A.RETURN, actor=officer, reason="请补充活动场所证明")
    page = client.get(page_of(application)).content.decode()
    assert "退回补正" in page and "请补充活动场所证明" in page and step_url(application, "facts") in page
    assert client.get(f"/account/applications/{application.pk}/edit/")["Location"] == step_url(application, "facts")
    assert client.get(step_url(application, "facts")).context["form"].initial["name"] == "太平角合唱团"
    data = {**filing_data(tree, **proposed), "street": tree.badaguan.pk, "address": "太平角二路", "next": ""}
    client.post(step_url(application, "facts"), data)
    upload(client, application, MaterialKind.PREMISES)
    submit(client, application)
    application.refresh_from_db()
    assert application.state == S.SUBMITTED and application.proposed["address"] == "太平角二路"
    assert application.street == tree.badaguan  # the street is fixed once the application is opened


def test_a_material_kind_the_application_does_not_need_is_refused(client, tree, applicant, society):
    client.post(NEW + "deregistration/", {"reason": "停止活动", "save": ""})
    application = Application.objects.get(kind=ApplicationKind.DEREGISTRATION)
    page = client.get(page_of(application)).content.decode()
    assert 'value="minutes"' in page and 'value="member_list"' not in page
    response = client.post(
        reverse("account_material_upload", args=[application.pk]),
        {"kind": MaterialKind.MEMBER_LIST, "file": SimpleUploadedFile("名单.pdf", PDF)},
        follow=True,
    )
    assert "选择一个有效的选项" in response.content.decode()
    with pytest.raises(ValidationError, match="请选择本类申请所需的材料类型"):
        attach_material(
            application=application,
            actor=applicant,
            kind=MaterialKind.MEMBER_LIST,
            upload=SimpleUploadedFile("名单.pdf", PDF),
        )
    assert not application.materials.exists()


# --- Registration ----------------------------------------------------------------------------------


def test_every_registration_step_saves_and_going_back_keeps_the_values(client, tree, applicant):
    page = client.get(NEW + "registration/").content.decode()
    assert 'aria-current="step"' in page and "基本信息" in page and "负责人与会员" in page and "业务与资金" in page

    response = client.post(NEW + "registration/", {**basics(tree), "next": ""})
    application = Application.objects.get(applicant=applicant)
    assert application.kind == ApplicationKind.REGISTRATION and application.street == tree.zhanshan
    assert (
        application.proposed["name"] == "青岛市市南区老年书画研究会" and application.proposed["kind"] == "social_group"
    )
    assert response["Location"] == step_url(application, "people")

    # A wrong ID number stops the step, yet it is saved as typed along with everything else.
    response = client.post(
        step_url(application, "people"), {**PEOPLE, "legal_representative_id_number": WRONG_ID, "next": ""}
    )
    assert response.status_code == 200 and "居民身份证号码无效" in response.content.decode()
    application.refresh_from_db()
    assert application.proposed["legal_representative_id_number"] == WRONG_ID
    assert application.proposed["legal_representative"] == "王强" and application.proposed["member_count"] == 60

    response = client.post(
        step_url(application, "people"), {**PEOPLE, "legal_representative_id_number": WRONG_ID, "back": ""}
    )
    assert response["Location"] == step_url(application, "basics")
    back = client.get(step_url(application, "basics"))
    assert back.context["form"].initial["address"] == "湛山路9号"
    assert back.context["form"].initial["community"] == tree.yancheng.pk
    forward = client.get(step_url(application, "people")).content.decode()
    assert f'value="{WRONG_ID}"' in forward and 'value="王强"' in forward

    client.post(step_url(application, "people"), {**PEOPLE, "next": ""})
    response = client.post(step_url(application, "activity"), {**ACTIVITY, "registered_capital": "-5", "next": ""})
    assert "开办资金不能为负数" in response.content.decode()
    assert Application.objects.get(pk=application.pk).proposed["registered_capital"] == "-5"
    response = client.post(step_url(application, "activity"), {**ACTIVITY, "next": ""})
    assert response["Location"] == page_of(application)
    application.refresh_from_db()
    assert application.proposed["registered_capital"] == "30000" and application.proposed["member_count"] == 60


def test_a_category_outside_direct_registration_needs_the_supervising_unit(client, tree, applicant):
    response = client.post(NEW + "registration/", {**basics(tree, category="other"), "next": ""})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "supervising_unit" in errors and "supervising_approval_number" in errors
    response = client.post(
        step_url(Application.objects.get(), "basics"),
        {
            **basics(tree, category="other"),
            "supervising_unit": "青岛市市南区文化和旅游局",
            "supervising_approval_number": "市南文旅〔2026〕3号",
            "next": "",
        },
    )
    assert response.status_code == 302


def test_submission_shows_what_is_wrong_on_its_step(client, tree, applicant):
    client.post(NEW + "registration/", {**basics(tree), "next": ""})
    application = Application.objects.get()
    client.post(step_url(application, "people"), {**PEOPLE, "member_count": "", "save": ""})
    upload_required(client, application)

    response = submit(client, application)
    assert response["Location"] == step_url(application, "people") + "?check=1"
    page = client.get(response["Location"]).content.decode()
    assert "社会团体须填写会员数" in page and "申请还不能提交" in page
    # The indicator marks both steps that need work; the third was never filled.
    assert page.count("（需改正）") == 2
    assert Application.objects.get(pk=application.pk).state == S.DRAFT


def test_a_registration_approved_with_a_credit_code_creates_the_organization(client, tree, applicant, make_officer):
    application = register_through_the_steps(client, tree)
    page = client.get(page_of(application)).content.decode()
    assert "青岛市市南区老年书画研究会" in page and "社会团体" in page
    assert ID_NUMBER in page and "13800000000" in page  # the applicant reads their own personal data whole
    upload_required(client, application)
    submit(client, application)
    assert Application.objects.get(pk=application.pk).state == S.SUBMITTED

    officer = make_officer(Role.DISTRICT_OFFICER, tree.district, "district")
    client.force_login(officer)
    inspect = reverse("applications:inspect", args=[application.pk])
    act = reverse("registry_application_act", args=[application.pk])
    page = client.get(inspect).content.decode()
    assert "青岛市市南区老年书画研究会" in page and "湛山路9号" in page and "章程" in page
    assert "13800000000" in page  # the registering officer reads it whole (tests/registry/test_personal_data.py)
    assert 'name="uscc"' not in page  # nothing to approve yet
    client.post(act, {"action": "accept"})
    page = client.get(inspect).content.decode()
    assert 'name="uscc"' in page and 'value="approve"' in page

    refused = client.post(act, {"action": "approve", "reason": "同意成立"}, follow=True).content.decode()
    assert "批准成立登记须填写统一社会信用代码" in refused
    wrong_kind = make_uscc(OrganizationKind.SERVICE_INSTITUTION)
    refused = client.post(act, {"action": "approve", "reason": "同意成立", "uscc": wrong_kind}, follow=True)
    assert "与组织类型“社会团体”不符" in refused.content.decode()
    assert not Organization.objects.exists()

    code = make_uscc(OrganizationKind.SOCIAL_GROUP)
    client.post(act, {"action": "approve", "reason": "同意成立", "uscc": code})
    application.refresh_from_db()
    organization = application.organization
    assert application.state == S.APPROVED and organization.uscc == code
    assert organization.status == OrganizationStatus.ACTIVE and organization.registration_authority == tree.district
    assert (organization.name, organization.community, organization.member_count) == (
        "青岛市市南区老年书画研究会",
        tree.yancheng,
        60,
    )
    assert organization.legal_representative_id_number == ID_NUMBER
    assert organization.founded_on == datetime.date(2026, 2, 1) and organization.registered_capital == 30000
    # The applicant now acts for it, and may file its changes.
    assert OrganizationAccount.objects.get(user=applicant).organization == organization
    client.force_login(applicant)
    home = client.get("/account/").content.decode()
    assert code in home and "/account/applications/new/change/" in home


# --- Change ----------------------------------------------------------------------------------------


def test_the_change_form_shows_current_values_and_refuses_an_unchanged_proposal(client, tree, applicant, society):
    page = client.get(NEW + "change/").content.decode()
    assert "住所（现为：湛山路8号）" in page and "名称（现为：湛山书画研究会）" in page
    assert "类型（现为" not in page  # the kind is not a registered fact one changes

    response = client.post(NEW + "change/", {"changes": ["address", "name"], "next": ""})
    application = Application.objects.get(kind=ApplicationKind.CHANGE)
    assert application.organization == society and application.street == tree.zhanshan
    assert application.proposed == {"address": "湛山路8号", "name": "湛山书画研究会"}
    assert response["Location"] == step_url(application, "values")
    page = client.get(step_url(application, "values")).content.decode()
    assert "现登记内容：湛山路8号" in page and 'value="湛山路8号"' in page

    response = client.post(
        step_url(application, "values"), {"address": "湛山路8号", "name": "湛山书画协会", "next": ""}
    )
    assert response["Location"] == step_url(application, "values") + "?check=1"
    page = client.get(response["Location"]).content.decode()
    assert "与现登记内容相同" in page

    # Taking a fact back drops it from the draft.
    response = client.post(
        step_url(application, "values"), {"address": "湛山路99号", "name": "湛山书画协会", "back": ""}
    )
    assert response["Location"] == step_url(application, "choose")
    client.post(step_url(application, "choose"), {"changes": ["address"], "next": ""})
    application.refresh_from_db()
    assert application.proposed == {"address": "湛山路99号"}

    # Choosing nothing is refused on the spot, and the refusal takes back nothing already typed.
    response = client.post(step_url(application, "choose"), {"next": ""})
    assert "请至少选择一项要变更的登记事项" in response.content.decode()
    application.refresh_from_db()
    assert application.proposed == {"address": "湛山路99号"}
    # Saving with nothing ticked is a choice: it takes everything back.
    client.post(step_url(application, "choose"), {"save": ""})
    application.refresh_from_db()
    assert application.proposed == {}


def test_a_change_approved_updates_the_organization_and_its_history(client, tree, applicant, society, make_officer):
    client.post(NEW + "change/", {"changes": ["address", "community"], "next": ""})
    application = Application.objects.get()
    values = client.get(step_url(application, "values"))
    groups = values.context["form"].fields["community"].choices[1:]
    assert groups == [
        ("湛山街道", [(tree.yancheng.pk, "盐城路社区"), (tree.yangkou.pk, "仰口路社区")])
    ]  # only the communities of the organization's street
    client.post(step_url(application, "values"), {"address": "湛山路99号", "community": tree.yangkou.pk, "next": ""})
    page = client.get(page_of(application)).content.decode()
    rows = page.split("申请变更为", 1)[1]
    assert rows.index("湛山路8号") < rows.index("湛山路99号") and "仰口路社区" in rows
    upload_required(client, application)
    submit(client, application)

    officer = make_officer(Role.DISTRICT_OFFICER, tree.district, "district")
    client.force_login(officer)
    page = client.get(reverse("applications:inspect", args=[application.pk])).content.decode()
    assert "现登记内容" in page and "湛山路8号" in page and "湛山路99号" in page
    act = reverse("registry_application_act", args=[application.pk])
    client.post(act, {"action": "accept"})
    client.post(act, {"action": "approve", "reason": "同意变更"})

    society.refresh_from_db()
    assert society.address == "湛山路99号" and society.community == tree.yangkou
    change = OrganizationChange.objects.get(organization=society, field="address")
    assert (change.old_value, change.new_value, change.source, change.changed_by) == (
        "湛山路8号",
        "湛山路99号",
        "变更登记",
        officer,
    )


# --- Deregistration --------------------------------------------------------------------------------


def test_a_deregistration_is_confirmed_then_approved_and_the_public_page_stays(
    client, tree, applicant, society, make_officer
):
    ensure_site_pages()
    finished = (datetime.date.today() - datetime.timedelta(days=10)).isoformat()
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    reason = {"reason": "会员大会决议解散", "liquidation_summary": "债权债务已清偿，剩余财产捐赠公益组织。"}
    response = client.post(NEW + "deregistration/", {**reason, "liquidation_completed_on": tomorrow, "next": ""})
    assert "清算完成日期不能晚于今天" in response.content.decode()
    application = Application.objects.get(kind=ApplicationKind.DEREGISTRATION)
    response = client.post(
        step_url(application, "reason"), {**reason, "liquidation_completed_on": finished, "next": ""}
    )
    assert response["Location"] == step_url(application, "confirm")

    confirm = client.get(step_url(application, "confirm")).content.decode()
    assert "会员大会决议解散" in confirm and "湛山书画研究会" in confirm
    response = client.post(step_url(application, "confirm"), {"next": ""})
    assert "请勾选确认后再继续" in response.content.decode()
    assert client.post(step_url(application, "confirm"), {"confirmed": "on", "next": ""})["Location"] == page_of(
        application
    )
    page = client.get(page_of(application)).content.decode()
    assert "注销原因" in page and "剩余财产捐赠公益组织" in page and finished in page
    upload_required(client, application)
    submit(client, application)

    officer = make_officer(Role.DISTRICT_OFFICER, tree.district, "district")
    assert "会员大会决议解散" in _inspect(client, officer, application)
    for action in (A.ACCEPT, A.APPROVE):
        act_on_application(application=application, action=action, actor=officer, reason="同意注销")
    society.refresh_from_db()
    assert society.status == OrganizationStatus.DEREGISTERED
    client.logout()
    public = client.get(f"/directory/{society.uscc}/")
    assert public.status_code == 200 and "湛山书画研究会" in public.content.decode()
    assert "已注销" in public.content.decode()


def _inspect(client, officer, application) -> str:
    client.force_login(officer)
    return client.get(reverse("applications:inspect", args=[application.pk])).content.decode()


# --- Who may do what -------------------------------------------------------------------------------


def test_change_and_deregistration_are_only_for_accounts_of_an_organization(client, tree, applicant):
    for kind in ("change", "deregistration"):
        assert client.get(NEW + kind + "/").status_code == 404
        assert client.post(NEW + kind + "/", {"changes": ["address"], "reason": "x", "next": ""}).status_code == 404
    assert client.get(NEW + "annual_report/").status_code == 404
    assert not Application.objects.exists()


def test_another_account_cannot_open_or_act_on_the_application(client, tree, applicant, society):
    client.post(NEW + "change/", {"changes": ["address"], "next": ""})
    application = Application.objects.get()
    other_society = create_org(street=tree.zhanshan, name="另一个组织")
    intruder = UserFactory(username="intruder@example.com")
    link_organization_account(user=intruder, organization=other_society)
    client.force_login(intruder)
    base = page_of(application)
    for path in (base, base + "edit/", step_url(application, "choose"), step_url(application, "values")):
        assert client.get(path).status_code == 404
    assert client.post(step_url(application, "values"), {"address": "别处", "next": ""}).status_code == 404
    assert client.post(base + "act/", {"action": "withdraw"}).status_code == 404
    response = client.post(
        base + "materials/", {"kind": MaterialKind.MINUTES, "file": SimpleUploadedFile("纪要.pdf", PDF)}
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.state == S.DRAFT and application.proposed == {"address": "湛山路8号"}
    assert not application.materials.exists()


def test_an_unknown_step_is_404(client, tree, applicant):
    client.post(NEW + "filing/", {**filing_data(tree), "save": ""})
    assert client.get(step_url(Application.objects.get(), "people")).status_code == 404
