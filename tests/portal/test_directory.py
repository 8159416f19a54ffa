"""The public directory on the demo data: the Chinese search examples of the issue, filters with
counts, sorting, paging, organization pages, and a constant number of queries."""

import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.charts import bar_chart
from registry.enums import OrganizationKind, OrganizationStatus
from registry.models import AdministrativeUnit, Organization
from registry.selectors import directory
from registry.selectors.directory import DirectoryFilters, SortOrder, facet_counts, search_directory
from registry.services.organizations import update_organization

pytestmark = pytest.mark.django_db


def found(q: str, **filters) -> list[Organization]:
    return list(search_directory(DirectoryFilters(q=q, **filters)))


def public_names_containing(*words: str) -> set[str]:
    organizations = Organization.objects.exclude(status__in=["draft", "pending"])
    for word in words:
        organizations = organizations.filter(name__contains=word)
    return set(organizations.values_list("name", flat=True))


def test_yanglao_in_chinese_finds_every_name_containing_it(demo):
    expected = public_names_containing("养老")
    assert len(expected) >= 5
    assert "青岛市市南区颐和老年公寓养老服务中心" in expected
    assert {o.name for o in found("养老")} == expected


def test_two_words_find_the_streets_volunteer_groups_and_rank_names_with_both_first(demo):
    results = found("湛山 志愿者")
    assert results
    for organization in results:
        assert "志愿者" in organization.name
        assert "湛山" in organization.name or organization.street.name == "湛山街道"
    # Every volunteer group of 湛山街道 is found, whatever its community is called.
    zhanshan_volunteers = set(
        Organization.objects.filter(street__name="湛山街道", name__contains="志愿者").values_list("name", flat=True)
    )
    assert zhanshan_volunteers <= {o.name for o in results}
    both = ["湛山" in o.name and "志愿者" in o.name for o in results]
    assert any(both) and not all(both)
    assert both == sorted(both, reverse=True), "names holding both words must come first"
    # Typed without a space, the query is cut into the same words.
    assert [o.pk for o in found("湛山志愿者")] == [o.pk for o in results]


@pytest.mark.parametrize("query", ["yanglao", "ylfw"])
def test_pinyin_and_initials_find_yanglao_fuwu_names(demo, query):
    expected = public_names_containing("养老服务")
    assert expected
    assert expected <= {o.name for o in found(query)}


def test_a_full_credit_code_or_filing_number_finds_exactly_that_organization(demo):
    registered = Organization.objects.filter(kind=OrganizationKind.SERVICE_INSTITUTION).first()
    filed = Organization.objects.filter(kind=OrganizationKind.COMMUNITY_GROUP).last()
    assert [o.pk for o in found(registered.uscc)] == [registered.pk]
    assert [o.pk for o in found(registered.uscc.lower())] == [registered.pk]
    assert [o.pk for o in found(filed.filing_number)] == [filed.pk]


def test_nonsense_finds_nothing_and_punctuation_alone_finds_everything(demo):
    assert found("不存在的组织名称xyzq") == []
    assert len(found("!!! ？")) == Organization.objects.count()


def test_filters_and_their_counts_agree(demo):
    filters = DirectoryFilters(q="服务", street=["370202010"])
    counts = facet_counts(filters)
    for code, _label, count in counts["kind"]:
        assert count == len(found("服务", street=["370202010"], kind=[code])), code
    for code, _label, count in counts["street"]:
        assert count == len(found("服务", street=[code])), code
    assert {code for code, *_ in counts["street"]} >= {"370202001", "370202014"}


@pytest.mark.parametrize(
    "filters",
    [
        DirectoryFilters(q="服务"),
        DirectoryFilters(q="服务", street=["370202010"], kind=[OrganizationKind.COMMUNITY_GROUP]),
        DirectoryFilters(q="协会", path=["direct"], credit=["normal"], activity=["elderly_care"]),
        DirectoryFilters(q="服务", status=[OrganizationStatus.ACTIVE], category=["other"], extra={"grade": ["3A"]}),
        DirectoryFilters(q="服务", street=["370202010"], community=["370202010001"], extra={"purchase": ["eligible"]}),
        DirectoryFilters(street=["370202010"], kind=[OrganizationKind.COMMUNITY_GROUP]),
        DirectoryFilters(status=[OrganizationStatus.ACTIVE], extra={"grade": ["3A"]}),
    ],
)
def test_a_search_counts_its_facets_as_the_database_does(demo, filters):
    """A search with few matches counts its facets from one read of them: the same counts as one
    query per facet, which the plain directory runs."""
    counted_from_matches = facet_counts(filters)
    assert any(count for _code, _label, count in counted_from_matches["kind"])
    assert directory._counts_by_query(filters) == counted_from_matches


def test_sorting_by_founding_date_and_by_pinyin(demo):
    oldest_first = found("", kind=[OrganizationKind.SOCIAL_GROUP], sort=SortOrder.FOUNDED)
    dates = [o.founded_on for o in oldest_first]
    assert dates == sorted(dates)
    by_name = found("", kind=[OrganizationKind.SOCIAL_GROUP], sort=SortOrder.NAME)
    assert [o.name_pinyin for o in by_name] == sorted(o.name_pinyin for o in by_name)


def result_names(response) -> list[str]:
    return [o.name for o in response.context["results"]]


def test_directory_page_keeps_filters_in_the_address(client, demo):
    response = client.get("/directory/", {"q": "服务", "kind": "community_group", "page": "2"})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["results"].number == 2
    assert 'value="服务"' in html
    assert re.search(r'name="kind" value="community_group" checked', html)
    # The paging links carry the query and the filter.
    assert "q=%E6%9C%8D%E5%8A%A1&amp;kind=community_group&amp;page=1" in html
    assert all(o.kind == OrganizationKind.COMMUNITY_GROUP for o in response.context["results"])


def test_bad_parameters_are_ignored_not_an_error(client, demo):
    response = client.get(
        "/directory/", {"kind": "bogus", "street": "999", "page": "x", "sort": "evil", "q": "养" * 500}
    )
    assert response.status_code == 200


def test_directory_renders_in_a_constant_number_of_queries(client, demo):
    client.get("/directory/")  # warm the per-process caches (site root, settings)
    name = Organization.objects.first().name
    with CaptureQueriesContext(connection) as few:
        one = client.get("/directory/", {"q": name})
    with CaptureQueriesContext(connection) as many:
        full = client.get("/directory/", {"q": "服务"})
    with CaptureQueriesContext(connection) as unsearched:
        everything = client.get("/directory/")
    assert len(one.context["results"]) == 1
    assert len(full.context["results"]) == len(everything.context["results"]) == 20
    # A text search counts its facets from one read of its matches (fewer queries than the plain
    # page, which counts each facet in the database), whatever the number of results.
    assert len(few) == len(many) <= len(unsearched)


def organization_url(organization) -> str:
    return f"/directory/{quote(organization.identifier)}/"


def test_organization_page_shows_public_facts_and_no_private_ones(client, demo):
    organization = (
        Organization.objects.exclude(legal_representative_id_number="")
        .filter(kind=OrganizationKind.SOCIAL_GROUP)
        .first()
    )
    response = client.get(organization_url(organization))
    assert response.status_code == 200
    html = response.content.decode()
    for value in (
        organization.name,
        organization.uscc,
        organization.address,
        organization.legal_representative,
        organization.street.name,
        "湛山街道社区社会组织联合会" if organization.street.code == "370202010" else "",
    ):
        assert value in html
    assert organization.legal_representative_id_number not in html
    assert organization.legal_representative_phone not in html


def test_community_group_page_by_filing_number_with_its_federation(client, demo):
    group = Organization.objects.filter(kind=OrganizationKind.COMMUNITY_GROUP, street__code="370202010").first()
    for url in (organization_url(group), f"/directory/{group.filing_number}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert group.filing_number in response.content.decode()
        assert "湛山街道社区社会组织联合会" in response.content.decode()


def test_unknown_and_unpublished_organizations_are_not_found(client, demo):
    assert client.get("/directory/51370202MA00000000/").status_code == 404
    organization = Organization.objects.filter(kind=OrganizationKind.SOCIAL_GROUP).first()
    Organization.objects.filter(pk=organization.pk).update(status=OrganizationStatus.PENDING)
    assert client.get(organization_url(organization)).status_code == 404
    assert organization.pk not in {o.pk for o in found(organization.name)}


def test_public_history_is_shown_and_private_changes_are_not(client, demo):
    organization = Organization.objects.filter(kind=OrganizationKind.SOCIAL_GROUP).first()
    update_organization(
        organization=organization,
        actor=None,
        data={"address": "青岛市市南区新址路1号", "legal_representative_phone": "13900000000"},
        source="测试",
    )
    html = client.get(organization_url(organization)).content.decode()
    assert "青岛市市南区新址路1号" in html
    assert "13900000000" not in html


def test_english_directory(client, demo):
    client.cookies["django_language"] = "en"
    response = client.get("/en/directory/", {"q": "养老"})
    assert response.status_code == 200
    assert response.content.decode().count('lang="en"') >= 1


def test_organization_page_renders_in_a_constant_number_of_queries(client, demo):
    # Two ungraded social groups: only the length of the history differs between their pages.
    quiet, busy = Organization.objects.filter(kind=OrganizationKind.SOCIAL_GROUP, grades__isnull=True)[:2]
    for number in range(30):
        update_organization(organization=busy, actor=None, data={"address": f"新址{number}号"}, source="测试")
    client.get(organization_url(quiet))  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        client.get(organization_url(quiet))
    with CaptureQueriesContext(connection) as many:
        response = client.get(organization_url(busy))
    assert len(response.context["changes"]) == 30
    assert len(few) == len(many)


def test_statistics_page_shows_the_figures_as_charts_and_tables(client, demo):
    response = client.get("/statistics/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") >= 5
    for label, count in [("社会团体", 56), ("民办非企业单位", 155), ("社区社会组织", 365), ("街道联合会", 10)]:
        assert f"<dt>{label}</dt><dd>{count}</dd>" in html, label
        assert f'<th scope="row">{label}</th><td>{count}</td>' in html or label == "街道联合会"
    assert '<th scope="row">湛山街道</th>' in html


def test_bar_chart_writes_each_figure_after_its_bar():
    chart = bar_chart([{"label": "甲", "count": 10}, {"label": "乙", "count": 5}], width=400, label_width=100)
    long, short = chart["bars"]
    assert long.width == 2 * short.width
    for bar in chart["bars"]:
        assert bar.value_x > 100 + bar.width  # on white, not on the bar (contrast)


def test_communities_are_offered_under_the_chosen_streets_only(client, demo):
    assert facet_counts(DirectoryFilters(q="服务"))["community"] == []
    html = client.get("/directory/", {"q": "服务"}).content.decode()
    assert 'name="community"' not in html
    assert "选择街道后，可按其下的社区筛选。" in html

    street = AdministrativeUnit.objects.get(code="370202010")
    offered = facet_counts(DirectoryFilters(q="服务", street=[street.code]))["community"]
    assert offered
    communities = AdministrativeUnit.objects.filter(path__startswith=street.path, level="community")
    under_street = set(communities.values_list("code", flat=True))
    assert {code for code, *_ in offered} <= under_street
    html = client.get("/directory/", {"q": "服务", "street": street.code}).content.decode()
    assert f'name="community" value="{offered[0][0]}"' in html


def test_a_chosen_community_stays_offered_so_it_can_be_unchosen(demo):
    community = AdministrativeUnit.objects.filter(level="community").order_by("code").first()
    offered = facet_counts(DirectoryFilters(q="不存在的组织名称", community=[community.code]))["community"]
    assert offered == [(community.code, community.name, 0)]
