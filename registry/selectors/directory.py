"""The public directory: search, filters with a count beside each value, sorting.

Filters arrive as `DirectoryFilters` (codes, as they appear in shareable addresses); the portal's
form and the API both build one, so the page and the API can never disagree.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from ..enums import Category, FieldOfActivity, OrganizationKind, OrganizationStatus, UnitLevel
from ..models import AdministrativeUnit, Organization
from ..search import parse_query
from ..validators import FILING_NUMBER_RE, normalize_uscc
from .organizations import public_organizations


class RegistrationPath:
    DIRECT = "direct"
    SUPERVISED = "supervised"
    CHOICES = [(DIRECT, _("直接登记")), (SUPERVISED, _("有业务主管单位"))]


class CreditStatus:
    NORMAL = "normal"
    ABNORMAL = "abnormal"
    CHOICES = [(NORMAL, _("正常")), (ABNORMAL, _("列入活动异常名录"))]


class SortOrder:
    RELEVANCE = "relevance"
    NAME = "name"
    FOUNDED = "founded"
    FOUNDED_DESC = "-founded"
    CHOICES = [
        (RELEVANCE, _("相关度")),
        (NAME, _("名称（拼音）")),
        (FOUNDED, _("成立日期（由早到晚）")),
        (FOUNDED_DESC, _("成立日期（由晚到早）")),
    ]


@dataclass(frozen=True)
class DirectoryFilters:
    """What a directory search asks for. Each list holds codes; an empty list means "any"."""

    q: str = ""
    kind: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    activity: list[str] = field(default_factory=list)
    street: list[str] = field(default_factory=list)
    community: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    credit: list[str] = field(default_factory=list)
    sort: str = SortOrder.RELEVANCE
    # Values of the facets other apps register (see `register_directory_facet`), by facet name.
    extra: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DirectoryFacet:
    """A filter another app adds to the directory without the registry depending on it (e.g.
    federation membership): its values, the condition for chosen values, and counts per value."""

    name: str
    label: object
    choices: Callable[[], list[tuple[str, str]]]
    condition: Callable[[list[str]], Q]
    counts: Callable[[QuerySet], dict[str, int]]


_extra_facets: dict[str, DirectoryFacet] = {}


def register_directory_facet(facet: DirectoryFacet) -> None:
    _extra_facets[facet.name] = facet


def extra_facets() -> list[DirectoryFacet]:
    return list(_extra_facets.values())


FACETS = ["kind", "category", "path", "activity", "street", "community", "status", "credit"]
PUBLIC_STATUSES = [s for s in OrganizationStatus if s not in (OrganizationStatus.DRAFT, OrganizationStatus.PENDING)]


def _facet_filter(name: str, values: list[str]) -> Q:
    if name == "kind":
        return Q(kind__in=values)
    if name == "category":
        return Q(category__in=values)
    if name == "path":
        condition = Q()
        if RegistrationPath.DIRECT in values:
            condition |= Q(category__in=Category.direct_registration())
        if RegistrationPath.SUPERVISED in values:
            condition |= Q(category=Category.OTHER)
        return condition
    if name == "activity":
        # A subquery, not a join: the main query stays one row per organization.
        return Q(pk__in=Organization.objects.filter(activity_fields__code__in=values).values("pk"))
    if name == "street":
        return Q(street__code__in=values)
    if name == "community":
        return Q(community__code__in=values)
    if name == "status":
        return Q(status__in=values)
    if name == "credit":
        condition = Q()
        if CreditStatus.ABNORMAL in values:
            condition |= Q(status=OrganizationStatus.ABNORMAL)
        if CreditStatus.NORMAL in values:
            condition |= ~Q(status=OrganizationStatus.ABNORMAL)
        return condition
    raise ValueError(name)


def _matchable(text: str) -> str:
    """`text` as a query parameter. PostgreSQL refuses a NUL in one (a DataError, so a 500), and no
    stored code or name holds one: a NUL becomes U+FFFD, which matches nothing, as an unknown value."""
    return text.replace("\x00", "\ufffd")


def _exact_identifier(query: str) -> str | None:
    """A whole credit code or filing number typed as the query."""
    text = query.strip()
    if FILING_NUMBER_RE.fullmatch(text):
        return text
    code = normalize_uscc(text)
    if len(code) == 18 and code[:2].isdigit():
        return code
    return None


def _search(queryset: QuerySet[Organization], query: str) -> QuerySet[Organization]:
    identifier = _exact_identifier(query)
    if identifier:
        return queryset.filter(Q(uscc=identifier) | Q(filing_number=identifier))
    terms = parse_query(query)
    if not terms:
        return queryset
    for term in terms:
        queryset = queryset.filter(search_document__contains=term)
    # Relevance: how many of the terms the name itself holds (the rest matched its place or codes).
    in_name = [Case(When(name__contains=term, then=Value(1)), default=Value(0)) for term in terms]
    return queryset.annotate(relevance=sum(in_name[1:], in_name[0]))


def _filtered(filters: DirectoryFilters, *, skip: str | None = None) -> QuerySet[Organization]:
    queryset = _search(public_organizations(), _matchable(filters.q))
    for name in FACETS:
        values = getattr(filters, name)
        if values and name != skip:
            queryset = queryset.filter(_facet_filter(name, [_matchable(value) for value in values]))
    for name, values in filters.extra.items():
        if values and name != skip and name in _extra_facets:
            queryset = queryset.filter(_extra_facets[name].condition([_matchable(value) for value in values]))
    return queryset


def search_directory(filters: DirectoryFilters) -> QuerySet[Organization]:
    """The matching public organizations, sorted, with what a result row shows fetched up front."""
    queryset = _filtered(filters)
    has_relevance = "relevance" in queryset.query.annotations
    if filters.sort == SortOrder.NAME or (filters.sort == SortOrder.RELEVANCE and not has_relevance):
        order = ["name_pinyin", "pk"]
    elif filters.sort == SortOrder.FOUNDED:
        order = ["founded_on", "name_pinyin", "pk"]
    elif filters.sort == SortOrder.FOUNDED_DESC:
        order = ["-founded_on", "name_pinyin", "pk"]
    else:
        order = ["-relevance", "name_pinyin", "pk"]
    return queryset.select_related("street", "community").prefetch_related("activity_fields").order_by(*order)


def _choice_counts(queryset, column: str, choices) -> list[tuple[str, str, int]]:
    counts = dict(queryset.order_by().values_list(column).annotate(n=Count("pk", distinct=True)))
    return [(value, str(label), counts.get(value, 0)) for value, label in choices]


# Facets with a handful of values, each counted as a condition (`_facet_filter` of that one value).
FEW_VALUED_FACETS = {
    "kind": OrganizationKind.choices,
    "category": Category.choices,
    "path": RegistrationPath.CHOICES,
    "status": [(s.value, s.label) for s in PUBLIC_STATUSES],
    "credit": CreditStatus.CHOICES,
}


def _few_valued_counts(filters: DirectoryFilters) -> dict[str, list[tuple[str, str, int]]]:
    """The counts of FEW_VALUED_FACETS. Each facet counts over the results with every filter but
    its own, so all those not in use count over the same rows: one query (one pass over the table)
    for all of them, rather than one each, and one more per facet in use."""
    unused = [name for name in FEW_VALUED_FACETS if not getattr(filters, name)]
    groups = [(None, unused)] if unused else []
    groups += [(name, [name]) for name in FEW_VALUED_FACETS if getattr(filters, name)]
    result = {}
    for skip, names in groups:
        counts = (
            _filtered(filters, skip=skip)
            .order_by()
            .aggregate(
                **{
                    f"{name}_{index}": Count("pk", filter=_facet_filter(name, [value]), distinct=True)
                    for name in names
                    for index, (value, _label) in enumerate(FEW_VALUED_FACETS[name])
                }
            )
        )
        for name in names:
            result[name] = [
                (value, str(label), counts[f"{name}_{index}"])
                for index, (value, label) in enumerate(FEW_VALUED_FACETS[name])
            ]
    return result


def facet_counts(filters: DirectoryFilters) -> dict[str, list[tuple[str, str, int]]]:
    """For each filter, each value with the number of results it would give, the other filters
    applied (a constant number of queries: one for the few-valued filters not in use, and one
    per other filter)."""
    few_valued = _few_valued_counts(filters)
    result = {}
    for name in FACETS:
        if name in few_valued:
            result[name] = few_valued[name]
            continue
        queryset = _filtered(filters, skip=name)
        if name == "activity":
            result[name] = _choice_counts(queryset, "activity_fields__code", FieldOfActivity.choices)
        elif name in ("street", "community"):
            # Every street is offered (a newly added one too); communities only where there are results.
            counts = dict(queryset.order_by().values_list(f"{name}__code").annotate(n=Count("pk")))
            level = UnitLevel.STREET if name == "street" else UnitLevel.COMMUNITY
            units = AdministrativeUnit.objects.filter(level=level).order_by("code").values_list("code", "name")
            result[name] = [
                (code, unit_name, counts.get(code, 0))
                for code, unit_name in units
                if name == "street" or counts.get(code)
            ]
    for facet in _extra_facets.values():
        counts = facet.counts(_filtered(filters, skip=facet.name).order_by())
        result[facet.name] = [(value, label, counts.get(value, 0)) for value, label in facet.choices()]
    return result
