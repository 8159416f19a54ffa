"""Broad directory requests: more organizations to count over than one read takes
(MATCHES_COUNTED_IN_PYTHON, lowered here so that the demo's common words are broad). The results
stay those of the full search, in its order; counts are given over the results only, and not at
all when the results are more than the limit."""

import pytest

from registry.enums import OrganizationKind
from registry.models import Organization
from registry.selectors import directory
from registry.selectors.directory import DirectoryFilters, DirectorySearch, search_directory

pytestmark = pytest.mark.django_db

STREET = "370202010"
NARROW = DirectoryFilters(q="服务", street=[STREET], kind=[OrganizationKind.COMMUNITY_GROUP])


def ids(queryset) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


def counts_of(facets, name) -> dict[str, int | None]:
    return {value: count for value, _label, count in facets[name]}


@pytest.fixture
def limit(demo, monkeypatch):
    """The limit set to the narrow search's result count: its text matches are more."""
    narrow = search_directory(NARROW).count()
    assert 0 < narrow < search_directory(DirectoryFilters(q="服务")).count()
    monkeypatch.setattr(directory, "MATCHES_COUNTED_IN_PYTHON", narrow)
    return narrow


def test_more_results_than_the_limit_are_listed_in_order_and_not_counted(limit):
    filters = DirectoryFilters(q="服务")
    search = DirectorySearch(filters)
    assert search.broad and search.more
    assert search.count == limit
    # The first results are those of the full search, in its order (relevance, then pinyin).
    assert ids(search.results)[:limit] == ids(search_directory(filters))[:limit]
    assert all(count is None for values in search.facets.values() for _value, _label, count in values)
    # The streets offered are streets of the results.
    result_streets = set(search_directory(filters).values_list("street__code", flat=True))
    assert {code for code, *_ in search.facets["street"]} <= result_streets


def test_few_results_of_a_broad_search_are_counted_except_the_chosen_filters(limit):
    search = DirectorySearch(NARROW)
    assert search.broad and not search.more
    assert search.count == search_directory(NARROW).count() == limit
    assert ids(search.results) == ids(search_directory(NARROW))
    by_query = directory._counts_by_query(NARROW)
    for name in ["category", "path", "status", "credit", "activity", "community", "grade", "purchase"]:
        assert search.facets[name] == by_query[name], name
    # A chosen filter's other values would need every match read again: listed without counts.
    assert set(counts_of(search.facets, "kind").values()) == {None}
    assert counts_of(search.facets, "street")[STREET] is None
    assert sum(counts_of(search.facets, "status").values()) == limit


def test_filters_alone_over_more_organizations_than_the_limit(demo, monkeypatch):
    filters = DirectoryFilters(kind=[OrganizationKind.SOCIAL_GROUP])
    expected = search_directory(filters).count()
    assert expected < Organization.objects.count()
    monkeypatch.setattr(directory, "MATCHES_COUNTED_IN_PYTHON", expected)
    search = DirectorySearch(filters)
    assert search.broad and not search.more
    assert search.count == expected
    assert ids(search.results) == ids(search_directory(filters))
    assert set(counts_of(search.facets, "kind").values()) == {None}
    assert search.facets["status"] == directory._counts_by_query(filters)["status"]


def test_the_page_says_more_than_the_limit_and_shows_no_counts(client, limit):
    response = client.get("/directory/", {"q": "服务"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"找到超过 {limit} 个组织" in html
    assert "筛选项不显示数目" in html
    assert 'class="count"' not in html
    assert response.context["paginator"].count == limit


def test_the_page_of_a_broad_search_with_few_results_counts_them(client, limit):
    response = client.get("/directory/", {"q": "服务", "street": STREET, "kind": OrganizationKind.COMMUNITY_GROUP})
    html = response.content.decode()
    assert f"共找到 {limit} 个组织" in html
    assert "已选的筛选项不显示数目" in html
    assert 'class="count"' in html
    assert len(response.context["results"]) == min(limit, 20)
