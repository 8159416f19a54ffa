"""The directory's query string: street and community codes are checked against the tree, reading
only the codes asked for."""

import pytest
from django.http import QueryDict

from portal.forms import DirectoryForm


@pytest.mark.django_db
def test_known_unit_codes_are_kept(tree):
    query = QueryDict(f"street={tree.zhanshan.code}&street={tree.badaguan.code}&community={tree.yancheng.code}")
    filters = DirectoryForm(query).filters()
    assert sorted(filters.street) == sorted([tree.zhanshan.code, tree.badaguan.code])
    assert filters.community == [tree.yancheng.code]


@pytest.mark.django_db
def test_an_unknown_code_drops_that_filter_not_the_page(tree):
    filters = DirectoryForm(QueryDict(f"street=999&community={tree.yancheng.code}")).filters()
    assert filters.street == []
    assert filters.community == [tree.yancheng.code]


@pytest.mark.django_db
def test_a_street_code_is_not_taken_as_a_community(tree):
    filters = DirectoryForm(QueryDict(f"community={tree.zhanshan.code}")).filters()
    assert filters.community == []


@pytest.mark.django_db
def test_no_unit_is_read_when_none_is_asked_for(tree, django_assert_max_num_queries):
    # At most the other apps' facets' choices (federations): the tree is not read.
    with django_assert_max_num_queries(2) as captured:
        DirectoryForm(QueryDict("q=养老")).filters()
    assert not any(
        "registry_administrativeunit" in query["sql"] and "federation" not in query["sql"]
        for query in captured.captured_queries
    )
