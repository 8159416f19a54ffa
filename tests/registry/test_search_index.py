"""The trigram index of the search documents (migration 0016) on both engines: kept in step with
the organizations, consulted by the search, and never changing what a search finds."""

import pytest
from django.db import connection

from registry.models import AdministrativeUnit, Organization
from registry.search import FTS_TABLE, parse_query, text_condition
from registry.selectors.directory import DirectoryFilters, search_directory
from registry.services.organizations import reindex_organizations_of_unit, update_organization

pytestmark = pytest.mark.django_db

QUERIES = [
    "养老",
    "养老服务",
    "老服",  # inside a word: a substring, not a word of the name
    "湛山 志愿者",
    "yanglao",
    "ylfw",  # inside the initials of whole names
    "anglao",  # inside a syllable
    "y",
    "养",
    "市南区",
    "不存在的组织名称",
    "xyzq",
]


def found(q: str) -> set[int]:
    return set(search_directory(DirectoryFilters(q=q)).values_list("pk", flat=True))


def plain_match(q: str) -> set[int]:
    """What the search found before the index: every term a substring of the document."""
    organizations = Organization.objects.all()
    for term in parse_query(q):
        organizations = organizations.filter(search_document__contains=term)
    return set(organizations.values_list("pk", flat=True))


def indexed(q: str) -> set[int]:
    """What the search finds now, over every organization (public or not)."""
    return set(Organization.objects.filter(text_condition(parse_query(q))).values_list("pk", flat=True))


@pytest.mark.parametrize("q", QUERIES)
def test_the_index_finds_what_the_substring_match_finds(demo, q):
    assert indexed(q) == plain_match(q)


def test_a_character_ending_a_document_is_found(demo):
    """The index holds each document with two spaces after it, so its last character too begins a
    trigram."""
    ending = {document[-1] for document in Organization.objects.values_list("search_document", flat=True)}
    for character in sorted(ending):
        assert indexed(character) == plain_match(character) != set(), character


def test_the_examples_find_something_so_the_comparison_means_something(demo):
    for q in ["养老", "老服", "ylfw", "anglao", "养", "湛山 志愿者"]:
        assert plain_match(q), q


def test_a_renamed_organization_is_found_by_its_new_name_only(demo):
    organization = Organization.objects.filter(name__contains="养老").first()
    old_name = organization.name
    new_name = "青岛市市南区蔚蓝鲸歌合唱团"
    update_organization(organization=organization, actor=None, data={"name": new_name}, source="测试")
    assert organization.pk in found("鲸歌")
    assert organization.pk in found("jingge")
    assert organization.pk not in found(old_name)
    assert organization.pk not in found("养老")


def test_a_renamed_unit_is_found_in_its_organizations_search(demo):
    street = AdministrativeUnit.objects.get(name="湛山街道")
    street.name = "鲸歌街道"
    street.save()
    reindex_organizations_of_unit(street)  # a bulk update: the triggers see every row
    located = set(Organization.objects.filter(street=street).values_list("pk", flat=True))
    assert located and located <= found("鲸歌街道")
    only_by_place = set(
        Organization.objects.filter(street=street)
        .exclude(name__contains="湛山")
        .exclude(community__name__contains="湛山")
        .values_list("pk", flat=True)
    )
    assert only_by_place and not only_by_place & found("湛山")
    assert indexed("湛山") == plain_match("湛山")


def test_a_deleted_organization_leaves_the_index(demo):
    organization = Organization.objects.filter(name__contains="志愿者").first()
    name = organization.name
    organization.delete()
    assert indexed(name) == plain_match(name)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}")
            assert cursor.fetchone()[0] == Organization.objects.count()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table is SQLite's")
def test_sqlite_search_reads_the_fts_table(demo):
    """An organization missing from the index is not found: the search goes through it."""
    organization = Organization.objects.filter(name__contains="养老").first()
    assert organization.pk in found("养老")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, document) VALUES ('delete', %s, %s)",
            [organization.pk, organization.search_document + "  "],
        )
    assert organization.pk not in found("养老")
    assert organization.pk not in found("yanglao")


@pytest.mark.postgres
def test_postgresql_search_uses_the_gin_index(demo):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    queryset = Organization.objects.filter(text_condition(parse_query("养老 yanglao")))
    with connection.cursor() as cursor:
        # On a few hundred rows a scan is cheaper; switched off, the planner shows what it can use.
        cursor.execute("ANALYZE registry_organization")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = queryset.explain()
    assert "registry_org_search_trigrams" in plan


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_connections_compile_no_jit_and_sort_in_memory():
    """The settings' connection options reach the server (docs/deployment.md)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "32MB"
