"""The public read-only JSON API (django-ninja), with its OpenAPI description at
/api/v1/openapi.json. It serves exactly the public record and the public figures, through the
registry's and the evaluation's selectors."""

import datetime
from typing import Any, Literal

from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema
from ninja import Path as PathParam
from ninja.errors import HttpError, Throttled

from evaluation.enums import Grade
from evaluation.selectors.directory import PURCHASE_ELIGIBLE
from evaluation.selectors.grades import current_grade
from evaluation.selectors.statistics import EVALUATION_RATE_TARGET, evaluation_rate, grade_distribution
from evaluation.selectors.verification import certificate_by_code, organization_certificates
from evaluation.services.certificates import CertificateState, certificate_status, verify_url
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

from .security.rate_limits import ClientRateThrottle

api = NinjaAPI(
    title="市南区社会组织名录 API",
    version="1",
    description=(
        "Read-only public data of the social organizations of Qingdao 市南区. No personal data. "
        "Requests are limited per client address (429 Too Many Requests with Retry-After beyond it); "
        "for the whole directory use the open-data downloads."
    ),
    urls_namespace="api-v1",
    throttle=[ClientRateThrottle("api")],
)


@api.exception_handler(Throttled)
def too_many_requests(request, exc):
    return api.create_response(request, {"detail": _("请求过于频繁，请稍后再试。")}, status=429)


Kind = Literal[tuple(OrganizationKind.values)]
CategoryCode = Literal[tuple(Category.values)]
Activity = Literal[tuple(FieldOfActivity.values)]
Status = Literal[tuple(s.value for s in PUBLIC_STATUSES)]
Path = Literal[tuple(code for code, _label in RegistrationPath.CHOICES)]
Credit = Literal[tuple(code for code, _label in CreditStatus.CHOICES)]
Sort = Literal[tuple(code for code, _label in SortOrder.CHOICES)]
GradeCode = Literal[tuple(Grade.values)]
Purchase = Literal[PURCHASE_ELIGIBLE]
# Directory filters that other apps register (`register_directory_facet`), by facet name.
EXTRA_FILTERS = ("federation", "grade", "purchase")


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


class FrameworkOut(Schema):
    code: str
    version: int
    name: str


class GradeOut(Schema):
    grade: GradeCode
    framework: FrameworkOut = Field(description="The indicator framework the organization was evaluated against.")
    valid_from: datetime.date
    valid_until: datetime.date


CertificateStatusCode = Literal[tuple(CertificateState.values)]
CERTIFICATE_STATUS = (
    "`invalid` when the record does not match the issuer's signature or its revocation does not match the "
    "issuer's signed revocation statement (do not trust it); else `revoked` once the issuer revoked it, "
    "`expired` after `valid_until`, `not_yet_valid` before `valid_from`, else `valid`."
)
SIGNATURE_OK = (
    "Whether the issuer's Ed25519 signature matches the stored facts; false means the record was altered "
    "(and `status` is `invalid`)."
)


class CertificateOut(Schema):
    number: str = Field(description="The certificate number, e.g. 市南社评字〔2026〕第003号.")
    code: str = Field(description="The verification code (in the QR code's address).")
    grade: GradeCode
    valid_from: datetime.date
    valid_until: datetime.date
    status: CertificateStatusCode = Field(description=CERTIFICATE_STATUS)
    signature_ok: bool = Field(description=SIGNATURE_OK)
    verify_url: str = Field(description="The public verification page (the QR code's target).")


class CertificateDetailOut(Schema):
    """A certificate as printed, its status and whether its signature checks."""

    status: CertificateStatusCode = Field(description=CERTIFICATE_STATUS)
    signature_ok: bool = Field(description=SIGNATURE_OK)
    number: str
    code: str
    organization_name: str
    identifier: str = Field(description="The unified social credit code, or the filing number of a community group.")
    grade: GradeCode
    valid_from: datetime.date
    valid_until: datetime.date
    committee_name: str
    bureau_name: str
    issued_on: datetime.date
    key_id: str = Field(
        description="Fingerprint of the public key that signed it (the key is at /verify/keys/{key_id}.pem)."
    )
    revoked_on: datetime.date | None
    revocation_reason: str | None
    replaced_by: str | None = Field(description="The number of the certificate that replaced this one, if any.")
    verify_url: str


class NotFoundOut(Schema):
    """What a 404 carries (django-ninja's error body)."""

    detail: str


class BadRequestOut(Schema):
    """A refused parameter's explanation, in Chinese (django-ninja's error body)."""

    detail: str


class TooManyRequestsOut(Schema):
    """A client beyond its rate limit: wait the Retry-After header's seconds (django-ninja's error body)."""

    detail: str


# Answers every operation may give: 400 when the address or a parameter holds a NUL (refused by
# portal.security.null_bytes before the operation runs), 429 beyond the client's rate limit.
COMMON_RESPONSES = {400: BadRequestOut, 429: TooManyRequestsOut}


class InvalidParametersOut(Schema):
    """Parameters of the wrong type or outside their choices: one entry per problem, with its
    location (django-ninja's validation error body)."""

    detail: list[dict[str, Any]]


class OrganizationDetailOut(OrganizationOut):
    grade: GradeOut | None = Field(
        description="The evaluation grade in force today (the latest awarded if several are); null when none is."
    )
    certificates: list[CertificateOut] = Field(
        description="Every evaluation certificate issued to the organization (whatever its status), newest first."
    )


class OrganizationPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[OrganizationOut]


# Limits the view checks itself, to refuse with a Chinese message; declared in the description too,
# so that clients know them (a value outside gets a 400).
MAX_QUERY_LENGTH = 100
MAX_PAGE_SIZE = 100
# Text holds no NUL: a request with one is refused with a 400 before any operation runs
# (portal.security.null_bytes), so the description says such text is not a valid value.
NO_NUL = {"pattern": "^[^\\x00]*$"}
NO_NUL_ITEMS = {"items": {"type": "string", **NO_NUL}}


class DirectoryQuery(Schema):
    q: str = Field("", json_schema_extra={"maxLength": MAX_QUERY_LENGTH, **NO_NUL})
    kind: list[Kind] = []
    category: list[CategoryCode] = []
    path: list[Path] = []
    activity: list[Activity] = []
    street: list[str] = Field([], json_schema_extra=NO_NUL_ITEMS)
    community: list[str] = Field([], json_schema_extra=NO_NUL_ITEMS)
    status: list[Status] = []
    credit: list[Credit] = []
    federation: list[str] = Field([], json_schema_extra=NO_NUL_ITEMS)
    grade: list[GradeCode] = Field([], description="Current evaluation grade, any of these.")
    purchase: list[Purchase] = Field(
        [], description="`eligible`: graded 3A or above, so eligible for government purchase of services."
    )
    sort: Sort = SortOrder.RELEVANCE
    page: int = Field(1, json_schema_extra={"minimum": 1})
    page_size: int = Field(20, json_schema_extra={"minimum": 1, "maximum": MAX_PAGE_SIZE})


class Count(Schema):
    code: str
    label: str
    count: int


class EvaluationRateOut(Schema):
    """Registered organizations in force (active or on the abnormal-activity list; community groups
    are filed, not registered, and not evaluated) holding a grade in force ÷ all of them."""

    overall: float | None = Field(description="From 0 to 1; null when there is no registered organization.")
    by_kind: dict[str, float | None] = Field(description="By kind code (registered kinds); null for 0 of 0.")
    by_street: dict[str, float | None] = Field(description="By street code; null for 0 of 0.")
    target: float = Field(description="The district's target rate.")


class EvaluatedCount(Schema):
    graded: int
    registered: int


class EvaluationCountsOut(Schema):
    """The numerators and denominators of `evaluation_rate`."""

    overall: EvaluatedCount
    by_kind: dict[str, EvaluatedCount]
    by_street: dict[str, EvaluatedCount]


class StatisticsOut(Schema):
    total: int
    federations: int
    by_kind: list[Count]
    by_category: list[Count]
    by_field: list[Count]
    by_street: list[Count]
    by_status: list[Count]
    evaluation_rate: EvaluationRateOut
    evaluation_counts: EvaluationCountsOut
    grade_distribution: list[Count] = Field(description="Organizations per current grade, 5A first.")


@api.get(
    "/organizations",
    response={200: OrganizationPage, 404: NotFoundOut, 422: InvalidParametersOut, **COMMON_RESPONSES},
    summary="Search and filter the directory",
)
def list_organizations(request, query: Query[DirectoryQuery]):
    if not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise HttpError(400, _("page_size 应在 1 到 100 之间。"))
    if query.page < 1:
        raise HttpError(400, _("page 应为正整数。"))
    if len(query.q) > MAX_QUERY_LENGTH:
        raise HttpError(400, _("q 不能超过100个字符。"))
    filters = DirectoryFilters(
        **query.dict(exclude={"page", "page_size", *EXTRA_FILTERS}),
        extra={name: getattr(query, name) for name in EXTRA_FILTERS},
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
    "/organizations/{identifier}",
    response={200: OrganizationDetailOut, 404: NotFoundOut, **COMMON_RESPONSES},
    summary="One organization by credit code or filing number",
)
def get_organization(request, identifier: str = PathParam(..., **NO_NUL)):
    organization = public_organization(identifier)  # a NUL never gets here: portal.security.null_bytes
    if organization is None:
        raise HttpError(404, _("未找到该组织。"))
    today = timezone.localdate()
    certificates = []
    for certificate in organization_certificates(organization):
        status = certificate_status(certificate, today)
        certificates.append(
            {
                "number": certificate.number,
                "code": certificate.code,
                "grade": certificate.grade,
                "valid_from": certificate.valid_from,
                "valid_until": certificate.valid_until,
                "status": status.state,
                "signature_ok": status.signature_ok,
                "verify_url": verify_url(certificate),
            }
        )
    return {**public_record(organization), "grade": current_grade(organization, today), "certificates": certificates}


@api.get(
    "/certificates/{code}",
    response={200: CertificateDetailOut, 404: NotFoundOut, **COMMON_RESPONSES},
    summary="Verify one evaluation certificate by its verification code",
)
def get_certificate(request, code: str = PathParam(..., **NO_NUL)):
    certificate = certificate_by_code(code)
    if certificate is None:
        raise HttpError(404, _("未找到该证书。"))
    status = certificate_status(certificate)
    return {
        "status": status.state,
        "signature_ok": status.signature_ok,
        **{
            field: getattr(certificate, field)
            for field in (
                "number",
                "code",
                "organization_name",
                "identifier",
                "grade",
                "valid_from",
                "valid_until",
                "committee_name",
                "bureau_name",
                "issued_on",
                "key_id",
                "revoked_on",
            )
        },
        "revocation_reason": certificate.revocation_reason or None,
        "replaced_by": status.replaced_by_number,  # only as a signed revocation names it
        "verify_url": verify_url(certificate),
    }


def _rates(rates: dict) -> tuple[dict, dict]:
    """`evaluation_rate` and `evaluation_counts` from the selector's `Rate`s."""

    def rate(item) -> float | None:
        return round(item.rate, 4) if item.rate is not None else None

    def count(item) -> dict:
        return {"graded": item.graded, "registered": item.registered}

    fractions, counts = {"overall": rate(rates["overall"])}, {"overall": count(rates["overall"])}
    for part in ("by_kind", "by_street"):
        fractions[part] = {item.code: rate(item) for item in rates[part]}
        counts[part] = {item.code: count(item) for item in rates[part]}
    return {**fractions, "target": float(EVALUATION_RATE_TARGET)}, counts


@api.get(
    "/statistics",
    response={200: StatisticsOut, **COMMON_RESPONSES},
    summary="Counts of organizations and the evaluation's figures",
)
def statistics(request):
    today = timezone.localdate()
    evaluation_rates, evaluation_counts = _rates(evaluation_rate(today))
    return {
        **registry_statistics(),
        "federations": public_federations().count(),
        "evaluation_rate": evaluation_rates,
        "evaluation_counts": evaluation_counts,
        "grade_distribution": grade_distribution(today),
    }
