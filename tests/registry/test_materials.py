"""Application materials: checked by content and size, stored privately under random names, and
downloadable only by those who may see the application."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from federation.services import add_federation_staff, found_federation
from registry.enums import ApplicationAction, ApplicationKind, MaterialKind, OrganizationKind, Role
from registry.models import Material
from registry.services.applications import act_on_application, attach_material, save_draft, start_application
from tests.factories import UserFactory, file_required_materials

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200  # a Windows executable


def xlsx_bytes() -> bytes:
    output = io.BytesIO()
    Workbook().save(output)
    return output.getvalue()


def stored_files() -> list[Path]:
    return [path for path in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if path.is_file()]


@pytest.fixture
def application(tree):
    applicant = UserFactory(username="applicant")
    return start_application(
        applicant=applicant, kind=ApplicationKind.FILING, street=tree.zhanshan, proposed={"name": "盐城路社区读书会"}
    )


@pytest.fixture
def federation_staff(tree):
    staff = UserFactory(username="federation_staff")
    add_federation_staff(user=staff, federation=found_federation(street=tree.zhanshan, name="湛山街道社会组织联合会"))
    return staff


def submitted(application):
    """Complete the draft, file the required documents and submit it, as its applicant."""
    facts = {"name": "盐城路社区读书会", "address": "湛山路8号", "legal_representative": "张敏"}
    if application.kind == ApplicationKind.REGISTRATION:
        facts |= {"kind": OrganizationKind.SOCIAL_GROUP, "category": "public_welfare"}
    else:
        facts["community"] = application.street.get_children().first().pk
    save_draft(application=application, applicant=application.applicant, proposed=facts)
    file_required_materials(application)
    return act_on_application(application=application, action=ApplicationAction.SUBMIT, actor=application.applicant)


def downloads(client, user, material) -> int:
    client.force_login(user)
    return client.get(reverse("material_download", args=[material.pk])).status_code


@pytest.mark.parametrize(
    ("name", "content", "expected", "kind"),
    [
        ("章程.pdf", PDF, "application/pdf", MaterialKind.CHARTER),
        ("场所.png", PNG, "image/png", MaterialKind.CHARTER),
        ("名单.xlsx", None, "spreadsheetml", MaterialKind.MEMBER_LIST),  # a spreadsheet only for a list
    ],
)
def test_allowed_files_are_stored_under_a_random_private_name(application, name, content, expected, kind):
    content = content if content is not None else xlsx_bytes()
    material = attach_material(
        application=application,
        actor=application.applicant,
        kind=kind,
        upload=SimpleUploadedFile(name, content),
    )
    assert expected in material.content_type
    assert material.original_name == name
    assert name not in material.file.name and material.file.name.startswith("materials/")
    assert Path(material.file.path).read_bytes() == content
    assert not str(material.file.path).startswith(str(settings.MEDIA_ROOT))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("章程.pdf", EXE),  # an executable renamed to .pdf
        ("名单.xlsx", b"PK\x03\x04" + b"\x00" * 100),  # a broken ZIP posing as a workbook
        ("其他.xlsx", None),  # a real ZIP that is not a workbook
        ("空.pdf", b""),
    ],
)
def test_disguised_or_empty_files_are_refused_and_nothing_is_stored(application, name, content):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("payload.exe", EXE)
        content = buffer.getvalue()
    before = stored_files()
    with pytest.raises(ValidationError) as error:
        attach_material(
            application=application,
            actor=application.applicant,
            kind=MaterialKind.CHARTER,
            upload=SimpleUploadedFile(name, content),
        )
    assert name in error.value.messages[0]
    assert "不能上传" in error.value.messages[0] or "是空的" in error.value.messages[0]
    assert not Material.objects.exists()
    assert stored_files() == before


def test_an_oversized_file_is_refused_with_the_limit(application, settings):
    settings.REGISTRY_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="过大"):
        attach_material(
            application=application,
            actor=application.applicant,
            kind=MaterialKind.OTHER,
            upload=SimpleUploadedFile("大.pdf", PDF + b"0" * 2048),
        )
    assert not Material.objects.exists()


def test_only_the_applicant_uploads_and_only_before_submission(application):
    with pytest.raises(Exception, match="只能为自己的申请上传材料"):
        attach_material(
            application=application,
            actor=UserFactory(),
            kind=MaterialKind.OTHER,
            upload=SimpleUploadedFile("a.pdf", PDF),
        )
    application.state = "submitted"
    application.save()
    with pytest.raises(ValidationError, match="不能再上传"):
        attach_material(
            application=application,
            actor=application.applicant,
            kind=MaterialKind.OTHER,
            upload=SimpleUploadedFile("a.pdf", PDF),
        )


def test_download_is_for_the_applicant_and_the_streets_officers_only(client, tree, application, make_officer):
    material = attach_material(
        application=application,
        actor=application.applicant,
        kind=MaterialKind.CHARTER,
        upload=SimpleUploadedFile("章程.pdf", PDF),
    )
    submitted(application)
    url = reverse("material_download", args=[material.pk])
    for user, allowed in [
        (application.applicant, True),
        (make_officer(Role.STREET_OFFICER, tree.zhanshan), True),
        (make_officer(Role.STREET_OFFICER, tree.badaguan), False),
        (UserFactory(), False),
    ]:
        client.force_login(user)
        response = client.get(url)
        if allowed:
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == PDF
            assert response["X-Content-Type-Options"] == "nosniff"
            assert "attachment" in response["Content-Disposition"]
        else:
            assert response.status_code == 404, user
    client.logout()
    assert client.get(url).status_code == 302


def test_the_applicants_page_uploads_and_refuses_with_a_message(client, application):
    client.force_login(application.applicant)
    url = reverse("account_material_upload", args=[application.pk])
    bad = client.post(url, {"kind": "charter", "file": SimpleUploadedFile("章程.pdf", EXE)}, follow=True)
    assert "不能上传" in bad.content.decode()
    assert not Material.objects.exists()
    good = client.post(url, {"kind": "charter", "file": SimpleUploadedFile("章程.pdf", PDF)}, follow=True)
    assert "章程.pdf" in good.content.decode()
    assert Material.objects.count() == 1


def test_a_drafts_documents_are_the_applicants_alone(client, tree, application, make_officer, federation_staff):
    material = attach_material(
        application=application,
        actor=application.applicant,
        kind=MaterialKind.ID_DOCUMENT,
        upload=SimpleUploadedFile("身份证.pdf", PDF),
    )
    assert downloads(client, application.applicant, material) == 200
    for user in [
        make_officer(Role.STREET_OFFICER, tree.zhanshan),
        make_officer(Role.DISTRICT_OFFICER, tree.district),
        federation_staff,
        UserFactory(username="root", is_superuser=True),
    ]:
        assert downloads(client, user, material) == 404, user
    submitted(application)
    assert downloads(client, federation_staff, material) == 200  # the filing is theirs to pre-review


def test_federation_staff_and_the_street_get_no_registration_documents(client, tree, make_officer, federation_staff):
    registration = start_application(
        applicant=UserFactory(username="founder"),
        kind=ApplicationKind.REGISTRATION,
        street=tree.zhanshan,
        proposed={},
    )
    submitted(registration)
    identity = registration.materials.get(kind=MaterialKind.ID_DOCUMENT)
    assert downloads(client, federation_staff, identity) == 404
    assert downloads(client, make_officer(Role.STREET_OFFICER, tree.zhanshan), identity) == 404
    assert downloads(client, make_officer(Role.DISTRICT_OFFICER, tree.district), identity) == 200
