"""The public read-only JSON API (django-ninja), with its OpenAPI description at
/api/v1/openapi.json. It serves exactly the public record, through the registry's selectors."""

from typing import Literal

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError

from federation.selectors import public_federations
from registry.enums import Category, FieldOfActivity, OrganizationKind
from registry.selectors.directory import (
    PUBLIC_STATUSES,
    CreditStatus,
    DirectoryFilters,
    RegistrationPath,
    SortOrder,
    search_directory,
)
from registry.selectors.public import public_organization, public_record
from registry.selectors.statistics import registry_statistics

api = NinjaAPI(
    title="市南区社会组织名录 API",
    version="1",
    description="Read-only public data of the social organizations of Qingdao 市南区. No personal data.",
    urls_namespace="api-v1",
)

Kind = Literal[tuple(OrganizationKind.values)]
CategoryCode = Literal[tuple(Category.values)]
Activity = Literal[tuple(FieldOfActivity.values)]
Status = Literal[tuple(s.value for s in PUBLIC_STATUSES)]
Path = Literal[tuple(code for code, _label in RegistrationPath.CHOICES)]
Credit = Literal[tuple(code for code, _label in CreditStatus.CHOICES)]
Sort = Literal[tuple(code for code, _label in SortOrder.CHOICES)]


class OrganizationOut(Schema):
    name: str
    uscc: str | None
    filing_number: str | None
    kind: str
    kind_label: str
    category: str | None
    category_label: str | None
    activity_fields: list[str]
    activity_field_labels: list[str]
    status: str
    status_label: str
    registration_authority: str | None
    supervising_unit: str | None
    street: str | None
    street_code: str
    community: str | None
    address: str
    founded_on: str | None
    registered_capital: str | None
    business_scope: str
    activity_area: str
    member_count: int | None
    legal_representative: str
    public_phone: str


class OrganizationPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[OrganizationOut]


class DirectoryQuery(Schema):
    q: str = ""
    kind: list[Kind] = []
    category: list[CategoryCode] = []
    path: list[Path] = []
    activity: list[Activity] = []
    street: list[str] = []
    community: list[str] = []
    status: list[Status] = []
    credit: list[Credit] = []
    federation: list[str] = []
    sort: Sort = SortOrder.RELEVANCE
    page: int = 1
    page_size: int = 20


class Count(Schema):
    code: str
    label: str
    count: int


class StatisticsOut(Schema):
    total: int
    federations: int
    by_kind: list[Count]
    by_category: list[Count]
    by_field: list[Count]
    by_street: list[Count]
    by_status: list[Count]


@api.get("/organizations", response=OrganizationPage, summary="Search and filter the directory")
def list_organizations(request, query: Query[DirectoryQuery]):
    if not 1 <= query.page_size <= 100:
        raise HttpError(400, _("page_size 应在 1 到 100 之间。"))
    if query.page < 1:
        raise HttpError(400, _("page 应为正整数。"))
    if len(query.q) > 100:
        raise HttpError(400, _("q 不能超过100个字符。"))
    filters = DirectoryFilters(
        **query.dict(exclude={"page", "page_size", "federation"}), extra={"federation": query.federation}
    )
    paginator = Paginator(search_directory(filters), query.page_size)
    if query.page > max(paginator.num_pages, 1):
        raise HttpError(404, _("没有这一页。"))
    page = paginator.page(query.page) if paginator.count else []
    return {
        "count": paginator.count,
        "page": query.page,
        "page_size": query.page_size,
        "pages": paginator.num_pages if paginator.count else 0,
        "results": [public_record(organization) for organization in page],
    }


@api.get(
    "/organizations/{identifier}", response=OrganizationOut, summary="One organization by credit code or filing number"
)
def get_organization(request, identifier: str):
    organization = public_organization(identifier)
    if organization is None:
        raise HttpError(404, _("未找到该组织。"))
    return public_record(organization)


@api.get("/statistics", response=StatisticsOut, summary="Counts of organizations")
def statistics(request):
    return {**registry_statistics(), "federations": public_federations().count()}
