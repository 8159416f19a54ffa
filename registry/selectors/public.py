"""The public record of an organization: the one definition of what anyone may see, used by the
organization page, open data and the API. Private fields (ID numbers, personal phones) are not
in it, so they cannot leak through any of them."""

from collections.abc import Iterator

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ..enums import Category, OrganizationKind, OrganizationStatus, choice_label
from ..models import Organization, OrganizationChange
from ..models.organizations import PERSONAL_FIELDS
from ..validators import normalize_uscc
from .organizations import public_organizations

# (key, label) of every public field, in the order open data lists them.
PUBLIC_FIELDS = [
    ("name", _("名称")),
    ("uscc", _("统一社会信用代码")),
    ("filing_number", _("备案编号")),
    ("kind", _("类型")),
    ("category", _("类别")),
    ("activity_fields", _("活动领域")),
    ("status", _("状态")),
    ("registration_authority", _("登记管理机关")),
    ("supervising_unit", _("业务主管单位")),
    ("street", _("街道")),
    ("community", _("社区")),
    ("address", _("住所")),
    ("founded_on", _("成立日期")),
    ("registered_capital", _("开办资金（元）")),
    ("business_scope", _("业务范围")),
    ("activity_area", _("活动地域")),
    ("member_count", _("会员数")),
    ("legal_representative", _("法定代表人（负责人）")),
    ("public_phone", _("联系电话")),
]


def public_queryset() -> QuerySet[Organization]:
    """Public organizations with what their public record needs, in a constant number of queries;
    without the personal data, which no public record shows (and which would be decrypted for nothing)."""
    return (
        public_organizations()
        .defer(*PERSONAL_FIELDS)
        .select_related("street", "community", "registration_authority")
        .prefetch_related("activity_fields")
        .order_by("name_pinyin", "pk")
    )


def public_organization(identifier: str) -> Organization | None:
    """The public organization with this credit code or filing number, if there is one."""
    return (
        public_queryset()
        .filter(Q(uscc=normalize_uscc(identifier) or None) | Q(filing_number=identifier.strip()))
        .first()
    )


def public_record(organization: Organization) -> dict:
    """Public fields as plain values: codes for choices (with `<field>_label` beside them),
    names for units, ISO dates, strings for amounts."""
    return {
        "name": organization.name,
        "uscc": organization.uscc,
        "filing_number": organization.filing_number,
        "kind": organization.kind,
        "kind_label": choice_label(OrganizationKind, organization.kind),
        "category": organization.category or None,
        "category_label": choice_label(Category, organization.category) if organization.category else None,
        "activity_fields": [f.code for f in organization.activity_fields.all()],
        "activity_field_labels": [str(f) for f in organization.activity_fields.all()],
        "status": organization.status,
        "status_label": choice_label(OrganizationStatus, organization.status),
        "registration_authority": _unit_name(organization.registration_authority),
        "supervising_unit": organization.supervising_unit or None,
        "street": _unit_name(organization.street),
        "street_code": organization.street.code,
        "community": _unit_name(organization.community),
        "address": organization.address,
        "founded_on": organization.founded_on.isoformat() if organization.founded_on else None,
        "registered_capital": str(organization.registered_capital)
        if organization.registered_capital is not None
        else None,
        "business_scope": organization.business_scope,
        "activity_area": organization.activity_area,
        "member_count": organization.member_count,
        "legal_representative": organization.legal_representative,
        "public_phone": organization.public_phone,
    }


def _labelled(record: dict) -> dict:
    """The record with labels in place of codes, as people read it."""
    return {
        **record,
        "kind": record["kind_label"],
        "category": record["category_label"],
        "status": record["status_label"],
        "activity_fields": "、".join(record["activity_field_labels"]),
    }


def display_row(record: dict) -> list:
    """One open-data row in the order of PUBLIC_FIELDS, with labels rather than codes."""
    labelled = _labelled(record)
    return [labelled[key] if labelled[key] is not None else "" for key, _label in PUBLIC_FIELDS]


def display_fields(record: dict) -> list[tuple[str, object]]:
    """(label, value) of each public field that has a value, for an organization's page."""
    labelled = _labelled(record)
    return [(label, labelled[key]) for key, label in PUBLIC_FIELDS if labelled[key] not in (None, "")]


def iter_public_records(chunk_size: int = 2000) -> Iterator[dict]:
    """Every public record, read in chunks so that memory stays flat however many there are."""
    queryset = public_queryset()
    last_key = None
    while True:
        page = queryset
        if last_key is not None:
            page = page.filter(pk__gt=last_key)
        chunk = list(page.order_by("pk")[:chunk_size])
        if not chunk:
            return
        yield from (public_record(organization) for organization in chunk)
        last_key = chunk[-1].pk


def public_changes(organization: Organization) -> QuerySet[OrganizationChange]:
    return organization.changes.filter(is_public=True).order_by("-changed_at", "-id")


def _unit_name(unit) -> str | None:
    return unit.name if unit is not None else None


def public_annual_results(organization: Organization):
    """The decided annual-report results of an organization, newest year first (public)."""
    return organization.annual_reports.exclude(result="").order_by("-year").only("year", "result", "organization")
