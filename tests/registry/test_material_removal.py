"""Materials: the applicant takes a wrong upload off a draft or returned application (the row, the
stored file and an audit entry), and nowhere else; spreadsheets only for lists (DESIGN.md section 7)."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from audit.models import AuditEntry
from registry.enums import ApplicationAction as A
from registry.enums import ApplicationKind, MaterialKind, Role
from registry.enums import ApplicationState as S
from registry.models import Application, Material
from registry.services.applications import act_on_application, attach_material, remove_material, start_application
from tests.factories import PDF_BYTES, UserFactory, file_required_materials

pytestmark = pytest.mark.django_db

FILING = {"name": "盐城路社区书画社", "address": "湛山路8号", "legal_representative": "张敏"}


def xlsx_bytes() -> bytes:
    output = io.BytesIO()
    Workbook().save(output)
    return output.getvalue()


@pytest.fixture
def application(tree):
    return start_application(
        applicant=UserFactory(username="applicant"),
        kind=ApplicationKind.FILING,
        street=tree.badaguan,
        proposed={**FILING, "community": tree.taipingjiao.pk},
    )


def upload(application, name="错误的章程.pdf", content=PDF_BYTES, kind=MaterialKind.CHARTER) -> Material:
    return attach_material(
        application=application, actor=application.applicant, kind=kind, upload=SimpleUploadedFile(name, content)
    )


def submit(application) -> Application:
    file_required_materials(application)
    return act_on_application(application=application, action=A.SUBMIT, actor=application.applicant)


@pytest.mark.parametrize("returned", [False, True])
def test_the_applicant_removes_a_material_of_a_draft_or_returned_application(
    tree, make_officer, application, returned, django_capture_on_commit_callbacks
):
    if returned:
        submit(application)
        officer = make_officer(Role.STREET_OFFICER, tree.badaguan)
        act_on_application(application=application, action=A.RETURN, actor=officer, reason="章程有误")
    wrong = upload(application)
    path = Path(wrong.file.path)
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        remove_material(material=wrong, actor=application.applicant)

    assert not Material.objects.filter(pk=wrong.pk).exists()
    assert not path.exists()
    entry = AuditEntry.objects.get(action="application.material_remove")
    assert (entry.actor_id, entry.target_id) == (application.applicant.pk, str(application.pk))
    assert entry.before["name"] == "错误的章程.pdf" and entry.before["kind"] == "章程"


def test_a_submitted_applications_materials_stay(application):
    submitted = submit(application)
    material = submitted.materials.first()
    with pytest.raises(ValidationError, match="申请当前状态为“已提交”，不能再删除材料"):
        remove_material(material=material, actor=application.applicant)
    assert Material.objects.filter(pk=material.pk).exists()
    assert Path(material.file.path).exists()
    assert not AuditEntry.objects.filter(action="application.material_remove").exists()


def test_nobody_but_the_applicant_removes_a_material(tree, make_officer, application):
    material = upload(application)
    for someone in (UserFactory(), make_officer(Role.STREET_OFFICER, tree.badaguan)):
        with pytest.raises(PermissionDenied):
            remove_material(material=material, actor=someone)
    assert Material.objects.filter(pk=material.pk).exists()
    assert not AuditEntry.objects.filter(action="application.material_remove").exists()


def test_the_applications_page_offers_removal_and_the_button_removes(client, application):
    material = upload(application)
    client.force_login(application.applicant)
    page_url = reverse("account_application", args=[application.pk])
    remove_url = reverse("account_material_remove", args=[material.pk])
    assert remove_url in client.get(page_url).content.decode()
    assert client.get(remove_url).status_code == 405

    response = client.post(remove_url, follow=True)

    assert response.redirect_chain[-1][0] == page_url
    assert "已删除：错误的章程.pdf" in response.content.decode()
    assert not Material.objects.filter(pk=material.pk).exists()


def test_removal_is_refused_with_a_message_once_submitted_and_to_others(client, application):
    submitted = submit(application)
    material = submitted.materials.first()
    client.force_login(application.applicant)
    page = client.get(reverse("account_application", args=[application.pk])).content.decode()
    assert reverse("account_material_remove", args=[material.pk]) not in page
    response = client.post(reverse("account_material_remove", args=[material.pk]), follow=True)
    assert "不能再删除材料" in response.content.decode()
    assert Material.objects.filter(pk=material.pk).exists()

    client.force_login(UserFactory())
    assert client.post(reverse("account_material_remove", args=[material.pk])).status_code == 404
    assert Material.objects.filter(pk=material.pk).exists()
    assert Application.objects.get(pk=application.pk).state == S.SUBMITTED


# --- Spreadsheets are lists ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [MaterialKind.CHARTER, MaterialKind.ID_DOCUMENT, MaterialKind.OTHER])
def test_a_spreadsheet_given_as_a_document_is_refused_saying_what_is_accepted(application, kind):
    with pytest.raises(ValidationError) as error:
        upload(application, name="章程.xlsx", content=xlsx_bytes(), kind=kind)
    message = error.value.messages[0]
    assert f"“{MaterialKind(kind).label}”只接受PDF、JPEG、PNG文件" in message
    assert "XLSX表格只能作为成员名单上传" in message
    assert not Material.objects.exists()


def test_a_member_list_may_be_a_spreadsheet_or_a_document(application):
    listed = upload(application, name="成员名单.xlsx", content=xlsx_bytes(), kind=MaterialKind.MEMBER_LIST)
    scanned = upload(application, name="成员名单.pdf", kind=MaterialKind.MEMBER_LIST)
    assert listed.extension == "xlsx" and scanned.extension == "pdf"


def test_the_upload_form_says_why_a_spreadsheet_charter_is_refused(client, application):
    client.force_login(application.applicant)
    response = client.post(
        reverse("account_material_upload", args=[application.pk]),
        {"kind": MaterialKind.CHARTER, "file": SimpleUploadedFile("章程.xlsx", xlsx_bytes())},
        follow=True,
    )
    assert "“章程”只接受PDF、JPEG、PNG文件" in response.content.decode()
    assert not Material.objects.exists()
