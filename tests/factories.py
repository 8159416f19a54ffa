"""Test data built through the same services the application uses, so it is always valid."""

import itertools

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import uscc as uscc_module

from registry.enums import USCC_KIND_CHARACTER, Category, OrganizationKind, OrganizationStatus
from registry.models import ActivityField, AdministrativeUnit, Organization
from registry.services.applications import MATERIALS, attach_material
from registry.services.organizations import create_organization

_sequence = itertools.count(1)


def make_uscc(kind: str = OrganizationKind.SOCIAL_GROUP, number: int | None = None, division: str = "370202") -> str:
    """A valid civil-affairs credit code of `kind`."""
    number = next(_sequence) if number is None else number
    body = f"5{USCC_KIND_CHARACTER[kind]}{division}MA{number:07d}"
    return body + uscc_module.calc_check_digit(body)


def make_filing_number(number: int | None = None, year: int = 2024) -> str:
    number = next(_sequence) if number is None else number
    return f"市南备字〔{year}〕第{number:04d}号"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("pass-word-123")


def create_org(
    *,
    street: AdministrativeUnit,
    kind: str = OrganizationKind.SOCIAL_GROUP,
    name: str | None = None,
    community: AdministrativeUnit | None = None,
    activity_codes=(),
    **facts,
) -> Organization:
    """An organization of `kind` located in `street`, created through the registry service."""
    data = {
        "name": name or f"测试组织{next(_sequence)}",
        "kind": kind,
        "street": street,
        "community": community,
        "status": facts.pop("status", OrganizationStatus.ACTIVE),
    }
    if kind == OrganizationKind.COMMUNITY_GROUP:
        data["filing_number"] = facts.pop("filing_number", None) or make_filing_number()
        data["status"] = OrganizationStatus.FILED
    else:
        data["uscc"] = facts.pop("uscc", None) or make_uscc(kind)
        data["category"] = facts.pop("category", Category.PUBLIC_WELFARE)
        data["registration_authority"] = facts.pop("registration_authority", None) or AdministrativeUnit.objects.get(
            code="370202"
        )
    data.update(facts)
    fields = ActivityField.objects.filter(code__in=activity_codes)
    return create_organization(actor=None, data=data, activity_fields=fields, source="测试")


# The smallest file that passes the content check as a PDF.
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def file_required_materials(application) -> None:
    """Attach one document of each kind the application needs before it can be submitted."""
    for kind in MATERIALS[application.kind].required:
        attach_material(
            application=application,
            actor=application.applicant,
            kind=kind,
            upload=SimpleUploadedFile(f"{kind}.pdf", PDF_BYTES),
        )
