"""The public directory: search, filters with a count beside each value, sorting.

Filters arrive as `DirectoryFilters` (codes, as they appear in shareable addresses); the portal's
form and the API both build one, so the page and the API can never disagree.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from operator import itemgetter

from django.db import connection
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from ..enums import Category, FieldOfActivity, OrganizationKind, OrganizationStatus, UnitLevel
from ..models import ActivityField, AdministrativeUnit, Organization
from ..search import parse_query, text_condition
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

    def narrows(self) -> bool:
        """Does it leave out any organization (a text query or a chosen value; sorting does not)?"""
        query = _matchable(self.q)
        chosen = any(getattr(self, name) for name in FACETS) or any(self.extra.values())
        return chosen or bool(_exact_identifier(query) or parse_query(query))


@dataclass(frozen=True)
class DirectoryFacet:
    """A filter another app adds to the directory without the registry depending on it (e.g.
    federation membership): its values, the condition for chosen values, and counts per value."""

    name: str
    label: object
    choices: Callable[[], list[tuple[str, str]]]
    condition: Callable[[list[str]], Q]
    counts: Callable[[QuerySet], dict[str, int]]
    # A facet whose counts follow from another's (purchase eligibility from grades): `derive` makes
    # its counts from that facet's, which are then counted once for both.
    derived_from: str | None = None
    derive: Callable[[dict[str, int]], dict[str, int]] | None = None


_extra_facets: dict[str, DirectoryFacet] = {}


def register_directory_facet(facet: DirectoryFacet) -> None:
    _extra_facets[facet.name] = facet


def extra_facets() -> list[DirectoryFacet]:
    return list(_extra_facets.values())


FACETS = ["kind", "category", "path", "activity", "street", "community", "status", "credit"]
PUBLIC_STATUSES = [s for s in OrganizationStatus if s not in (OrganizationStatus.DRAFT, OrganizationStatus.PENDING)]


def _path_of(category: str) -> str | None:
    if category in Category.direct_registration():
        return RegistrationPath.DIRECT
    return RegistrationPath.SUPERVISED if category == Category.OTHER else None


def _credit_of(status: str) -> str:
    return CreditStatus.ABNORMAL if status == OrganizationStatus.ABNORMAL else CreditStatus.NORMAL


def _facet_filter(name: str, values: list[str]) -> Q:
    if name == "kind":
        return Q(kind__in=values)
    if name == "category":
        return Q(category__in=values)
    if name == "path":
        return Q(category__in=[category for category in Category.values if _path_of(category) in values])
    if name == "activity":
        # A subquery, not a join: the main query stays one row per organization. Of the links
        # alone: joining the organizations in it too made it half again as slow.
        links = Organization.activity_fields.through.objects.filter(activityfield__code__in=values)
        return Q(pk__in=links.values("organization_id"))
    if name == "street":
        return Q(street__code__in=values)
    if name == "community":
        return Q(community__code__in=values)
    if name == "status":
        return Q(status__in=values)
    if name == "credit":
        return Q(status__in=[status for status in OrganizationStatus.values if _credit_of(status) in values])
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
    return _with_relevance(queryset.filter(text_condition(terms)), terms)


def _with_relevance(queryset: QuerySet[Organization], terms: list[str]) -> QuerySet[Organization]:
    """Relevance: how many of the terms the name itself holds (the rest matched its place or codes)."""
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
    return _sorted(_filtered(filters), filters)


def _sorted(queryset: QuerySet[Organization], filters: DirectoryFilters) -> QuerySet[Organization]:
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


def _community_choices(filters: DirectoryFilters, counts: dict[str, int]) -> list[tuple[str, str, int]]:
    shown = [code for code, count in counts.items() if code and count] + filters.community
    units = AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNITY, code__in=shown).order_by("code")
    return [(code, unit_name, counts.get(code, 0)) for code, unit_name in units.values_list("code", "name")]


def _community_counts(filters: DirectoryFilters, queryset: QuerySet) -> list[tuple[str, str, int]]:
    """Communities are offered under the chosen streets only, those with results and those chosen:
    a district has thousands (92,000 at 1,000,000 organizations), too many to list or count for
    every search. With no street chosen, none is counted."""
    if not filters.street and not filters.community:
        return []
    return _community_choices(filters, dict(queryset.order_by().values_list("community__code").annotate(n=Count("pk"))))


# At most this many streets are offered: a district has about ten, a city hundreds, the country
# tens of thousands, each a checkbox to render. Those with the most results are kept.
STREETS_OFFERED = 30


def _street_choices(filters: DirectoryFilters, counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """The streets with results (the STREETS_OFFERED with most) and those chosen, in code order."""
    with_results = sorted((code for code, count in counts.items() if code and count), key=lambda c: (-counts[c], c))
    shown = with_results[:STREETS_OFFERED] + filters.street
    streets = AdministrativeUnit.objects.filter(level=UnitLevel.STREET, code__in=shown).order_by("code")
    return [(code, unit_name, counts.get(code, 0)) for code, unit_name in streets.values_list("code", "name")]


# Up to this many organizations to count over, a request reads them once and counts its facets
# from that read. Above it (a common word, or filters alone, at city or national scale) counting
# would read every match again for each facet: the request reads its results up to this many and
# counts only over them (see `DirectorySearch`). Counting costs about 15 µs per organization on
# SQLite here, so this keeps a counted search under the 100 ms target (docs/performance.md).
MATCHES_COUNTED_IN_PYTHON = 5_000
# A match as read for counting; each facet but activity reads one of its columns (by index), through
# a function where the facet's value derives from the column's.
MATCH_COLUMNS = ["pk", "kind", "category", "status", "street__code", "community__code"]
COLUMN_FACETS = {
    "kind": (1, None),
    "category": (2, None),
    "path": (2, _path_of),
    "status": (3, None),
    "credit": (3, _credit_of),
    "street": (4, None),
    "community": (5, None),
}


def _among(ids: list[int], field: str = "pk") -> Q:
    """Rows whose `field` is one of `ids`, as one query parameter whatever their number (SQLite
    takes at most 32,766 parameters)."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__in": RawSQL("SELECT unnest(%s::bigint[])", [ids])})
    return Q(**{f"{field}__in": RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])})


def _read(queryset: QuerySet[Organization]) -> list[tuple]:
    """MATCH_COLUMNS of the queryset's organizations, at most one more than MATCHES_COUNTED_IN_PYTHON
    (that one says there are more): the query stops there, however many match."""
    return list(queryset.order_by().values_list(*MATCH_COLUMNS)[: MATCHES_COUNTED_IN_PYTHON + 1])


def _activities(ids: list[int]) -> dict[int, set[str]]:
    """The codes of each organization's fields of activity. The links are read without a join
    (the handful of fields' codes apart): a third of the time for thousands of organizations."""
    codes = dict(ActivityField.objects.values_list("pk", "code"))
    activities = {pk: set() for pk in ids}
    through = Organization.activity_fields.through.objects.filter(_among(ids, "organization_id"))
    for pk, field_id in through.values_list("organization_id", "activityfield_id"):
        activities[pk].add(codes[field_id])
    return activities


def _chosen_facets(filters: DirectoryFilters) -> set[str]:
    chosen = {name for name in FACETS if getattr(filters, name)}
    return chosen | {name for name, values in filters.extra.items() if values and name in _extra_facets}


@dataclass(frozen=True)
class _Matches:
    """Organizations read once for counting: the rows (MATCH_COLUMNS) that pass every chosen
    filter, those that fail one filter only (by its name), and each one's fields of activity."""

    everywhere: list[tuple]
    only: dict[str, list[tuple]]
    activities: dict[int, set[str]]

    def counted_for(self, name: str) -> list[tuple]:
        """The matches a facet counts: those passing every chosen filter but its own."""
        return self.everywhere + self.only.get(name, [])


def _sort_matches(filters: DirectoryFilters, rows: list[tuple]) -> _Matches:
    """The rows (every organization a request counts over) sorted by the chosen filters they pass,
    with one query for their fields of activity and one per other app's chosen filter."""
    ids = [row[0] for row in rows]
    activities = _activities(ids)
    # Each chosen filter as a test of a match.
    tests = {}
    for name in FACETS:
        values = {_matchable(value) for value in getattr(filters, name)}
        if not values:
            continue
        if name == "activity":
            tests[name] = lambda row, values=values: not activities[row[0]].isdisjoint(values)
            continue
        index, derive = COLUMN_FACETS[name]
        allowed = {raw for raw in {row[index] for row in rows} if (derive(raw) if derive else raw) in values}
        tests[name] = lambda row, index=index, allowed=allowed: row[index] in allowed
    for name, values in filters.extra.items():
        if values and name in _extra_facets:
            condition = _extra_facets[name].condition([_matchable(value) for value in values])
            passing = set(Organization.objects.filter(_among(ids)).filter(condition).values_list("pk", flat=True))
            tests[name] = lambda row, passing=passing: row[0] in passing
    if not tests:
        return _Matches(everywhere=rows, only={}, activities=activities)
    everywhere, only = [], defaultdict(list)
    for row in rows:
        failed = [name for name, test in tests.items() if not test(row)]
        if not failed:
            everywhere.append(row)
        elif len(failed) == 1:
            only[failed[0]].append(row)
    return _Matches(everywhere=everywhere, only=dict(only), activities=activities)


def _counts_of_matches(
    filters: DirectoryFilters, matches: _Matches, uncounted: frozenset[str] = frozenset()
) -> dict[str, list[tuple[str, str, int | None]]]:
    """The facet counts from one read of the organizations counted over (one query per other
    app's facet over their ids, none for the registry's own). The facets in `uncounted` list their
    values with None for a count: streets and communities still those most frequent in the read."""
    result = {}
    for name in FACETS:
        counted = matches.counted_for(name)
        if name == "activity":
            counts = Counter(chain.from_iterable(matches.activities.get(row[0], ()) for row in counted))
        else:
            index, derive = COLUMN_FACETS[name]
            counts = Counter(map(itemgetter(index), counted))
            if derive:
                derived = Counter()
                for value, count in counts.items():
                    derived[derive(value)] += count
                counts = derived
        if name in FEW_VALUED_FACETS:
            result[name] = [(value, str(label), counts[value]) for value, label in FEW_VALUED_FACETS[name]]
        elif name == "activity":
            result[name] = [(value, str(label), counts[value]) for value, label in FieldOfActivity.choices]
        elif name == "street":
            result[name] = _street_choices(filters, counts)
        elif name == "community":
            result[name] = _community_choices(filters, counts) if filters.street or filters.community else []
        if name in uncounted:
            result[name] = [(value, label, None) for value, label, _count in result[name]]
    result |= _extra_facet_counts(
        filters,
        lambda name: Organization.objects.filter(_among([row[0] for row in matches.counted_for(name)])),
        uncounted,
    )
    return result


def _extra_facet_counts(
    filters: DirectoryFilters, counted: Callable[[str], QuerySet], uncounted: frozenset[str] = frozenset()
) -> dict[str, list[tuple[str, str, int | None]]]:
    """The counts of the other apps' facets, each over `counted(its name)`, but those `uncounted`
    (None, and no query). A facet derived from another (`DirectoryFacet.derived_from`) reuses that
    one's counts when both count the same rows: when neither is chosen."""
    result, raw = {}, {}
    for facet in _extra_facets.values():
        source = _extra_facets.get(facet.derived_from or "")
        if facet.name in uncounted:
            result[facet.name] = [(value, label, None) for value, label in facet.choices()]
            continue
        if source and not filters.extra.get(facet.name) and not filters.extra.get(source.name):
            if source.name not in raw:
                raw[source.name] = source.counts(counted(source.name))
            counts = facet.derive(raw[source.name])
        else:
            if facet.name not in raw:
                raw[facet.name] = facet.counts(counted(facet.name))
            counts = raw[facet.name]
        result[facet.name] = [(value, label, counts.get(value, 0)) for value, label in facet.choices()]
    return result


def _counts_by_query(filters: DirectoryFilters) -> dict[str, list[tuple[str, str, int]]]:
    """The facet counts with one query for the few-valued filters not in use, and one per other
    filter."""
    few_valued = _few_valued_counts(filters)
    result = {}
    for name in FACETS:
        if name in few_valued:
            result[name] = few_valued[name]
            continue
        queryset = _filtered(filters, skip=name)
        if name == "activity":
            result[name] = _choice_counts(queryset, "activity_fields__code", FieldOfActivity.choices)
        elif name == "street":
            counts = dict(queryset.order_by().values_list("street__code").annotate(n=Count("pk")))
            result[name] = _street_choices(filters, counts)
        elif name == "community":
            result[name] = _community_counts(filters, queryset)
    result |= _extra_facet_counts(filters, lambda name: _filtered(filters, skip=name).order_by())
    return result


class DirectorySearch:
    """One directory request: its sorted results and, for each filter, each value with the number
    of results it would give, the other filters applied.

    The text match (or, without one, the whole table) is most of a query's cost, so a request reads
    what its facets count over once, up to MATCHES_COUNTED_IN_PYTHON organizations: its text
    search's matches, or every public organization when only filters narrow it. Then:

    - at most that many: the facets are counted from that read, the results fetched by id;
    - more (a *broad* request: a common word at city or national scale): the results alone are
      read, up to that many. If they are no more, they are the count and the facets count over
      them, but the chosen filters' own values show no count (each would read every match again);
      if they are more, the count is "more than MATCHES_COUNTED_IN_PYTHON", the first that many are
      listed, and no facet shows counts;
    - the plain directory (nothing narrows it) counts in the database: the portal keeps its counts.
    """

    def __init__(self, filters: DirectoryFilters):
        self.filters = filters

    @cached_property
    def _counted_over(self) -> list[tuple] | None:
        if not self.filters.narrows():
            return None
        return _read(_search(public_organizations(), _matchable(self.filters.q)))

    @cached_property
    def broad(self) -> bool:
        """More organizations to count over than are read: counts only over the results."""
        return self._counted_over is not None and len(self._counted_over) > MATCHES_COUNTED_IN_PYTHON

    @cached_property
    def _results_read(self) -> list[tuple]:
        """A broad request's results, up to one more than MATCHES_COUNTED_IN_PYTHON."""
        if not _chosen_facets(self.filters):
            return self._counted_over  # the same query
        return _read(_filtered(self.filters))

    @cached_property
    def more(self) -> bool:
        """More results than MATCHES_COUNTED_IN_PYTHON: they are not counted."""
        return self.broad and len(self._results_read) > MATCHES_COUNTED_IN_PYTHON

    @cached_property
    def _matches(self) -> _Matches | None:
        if self._counted_over is None or self.more:
            return None
        if not self.broad:
            return _sort_matches(self.filters, self._counted_over)
        rows = self._results_read
        return _Matches(everywhere=rows, only={}, activities=_activities([row[0] for row in rows]))

    @cached_property
    def results(self) -> QuerySet[Organization]:
        if self._matches is None:
            return search_directory(self.filters)
        queryset = Organization.objects.filter(_among([row[0] for row in self._matches.everywhere]))
        query = _matchable(self.filters.q)
        terms = [] if _exact_identifier(query) else parse_query(query)
        if terms:
            queryset = _with_relevance(queryset, terms)
        return _sorted(queryset, self.filters)

    @cached_property
    def count(self) -> int | None:
        """The number of results as read (no need to count them again): MATCHES_COUNTED_IN_PYTHON
        when there are `more`; None for the plain directory."""
        if self.more:
            return MATCHES_COUNTED_IN_PYTHON
        return None if self._matches is None else len(self._matches.everywhere)

    @cached_property
    def facets(self) -> dict[str, list[tuple[str, str, int | None]]]:
        if self._counted_over is None:
            return _counts_by_query(self.filters)
        if not self.broad:
            return _counts_of_matches(self.filters, self._matches)
        if self.more:
            # The results as read (that many of them, in no order) only pick the streets offered.
            sample = _Matches(everywhere=self._results_read, only={}, activities={})
            return _counts_of_matches(self.filters, sample, frozenset(FACETS) | frozenset(_extra_facets))
        return _counts_of_matches(self.filters, self._matches, frozenset(_chosen_facets(self.filters)))


def facet_counts(filters: DirectoryFilters) -> dict[str, list[tuple[str, str, int | None]]]:
    return DirectorySearch(filters).facets
