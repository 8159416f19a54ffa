"""Property-based tests (hypothesis) of what people type or upload: credit codes and resident ID
numbers, the organizations spreadsheet, and the directory's search. Whatever arrives, the answer
is an acceptance, a Chinese refusal (ValidationError, row errors, an unreadable-file error) or a
page, never an unhandled exception; a spreadsheet with a wrong row writes nothing."""

import csv
import datetime
import io
import re
import string

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from stdnum.cn import ric, uscc

from portal.site_structure import ensure_site_pages
from registry.enums import USCC_KIND_CHARACTER, Category, FieldOfActivity, OrganizationKind
from registry.models import Organization, OrganizationChange
from registry.search import MAX_TERMS, parse_query
from registry.selectors.directory import DirectoryFilters, facet_counts, search_directory
from registry.services.importing import ImportFileError, import_organizations
from registry.spreadsheets import COLUMNS
from registry.validators import validate_resident_id, validate_uscc, validate_uscc_for_kind
from tests.factories import create_org, make_filing_number, make_uscc

# Pure functions are cheap: many examples. Database and request tests: few, to stay within seconds.
# `database=None`: no .hypothesis/ folder in the work tree; failures are reproduced from the report.
PURE = settings(max_examples=300, deadline=None, database=None)
DB = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
HAN = re.compile(r"[\u3400-\u9fff]")
HEADERS = list(COLUMNS.values())


def chinese_refusal(check, *args) -> ValidationError:
    """The ValidationError `check` raises, after asserting that each message is in Chinese."""
    with pytest.raises(ValidationError) as caught:
        check(*args)
    for message in caught.value.messages:
        assert HAN.search(message), message
    return caught.value


def answers_or_refuses(check, *args) -> None:
    """Accepts (returns) or refuses with a Chinese ValidationError; any other exception fails."""
    try:
        check(*args)
    except ValidationError as error:
        assert all(HAN.search(message) for message in error.messages), error.messages


# Text from every Unicode category except surrogates (hypothesis leaves those out of text()),
# including control characters, and text shaped like the identifiers, with their separators.
any_text = st.text(max_size=40)
near_identifier = st.text(alphabet=USCC_ALPHABET + "abcxyzIOSVZ -\n\t０１٣²。—", min_size=15, max_size=21)


# --- Unified social credit codes (GB 32100, python-stdnum's stdnum.cn.uscc) ----------------------


@st.composite
def credit_codes(draw, department: str = "123456789", category: str = "123459") -> str:
    """A code from random valid parts: department, category, division, organization code, check."""
    body = (
        draw(st.sampled_from(department))
        + draw(st.sampled_from(category))
        + draw(st.text(alphabet=string.digits, min_size=6, max_size=6))
        + draw(st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
    )
    return body + uscc.calc_check_digit(body)


@st.composite
def one_character_changed(draw, codes) -> tuple[str, str]:
    """(code, the code with one character replaced by anything that does not normalize back to it)."""
    code = draw(codes)
    position = draw(st.integers(0, len(code) - 1))
    replacement = draw(st.characters(exclude_characters=[code[position]]))
    changed = code[:position] + replacement + code[position + 1 :]
    assume(uscc.compact(changed) != code)  # e.g. a lowercase letter for its capital is the same code
    return code, changed


@PURE
@given(credit_codes())
def test_every_code_with_the_right_check_character_is_accepted(code):
    assert validate_uscc(code) is None
    assert validate_uscc(code.lower()) is None
    assert validate_uscc(f" {code[:8]}-{code[8:]} ") is None


@PURE
@given(st.sampled_from(OrganizationKind.values), credit_codes(department="5", category="1239"))
def test_a_civil_affairs_code_is_accepted_for_its_own_kind_only(kind, code):
    if USCC_KIND_CHARACTER.get(kind) == code[1]:
        assert validate_uscc_for_kind(code, kind) is None
    else:
        chinese_refusal(validate_uscc_for_kind, code, kind)


@PURE
@given(one_character_changed(credit_codes()))
def test_any_single_character_change_is_refused_in_chinese(pair):
    _code, changed = pair
    error = chinese_refusal(validate_uscc, changed)
    assert error.code in {"uscc_length", "uscc_format", "uscc_checksum"}


@PURE
@given(st.one_of(any_text, near_identifier), st.sampled_from(OrganizationKind.values))
def test_arbitrary_text_is_accepted_or_refused_never_an_error(text, kind):
    answers_or_refuses(validate_uscc, text)
    answers_or_refuses(validate_uscc_for_kind, text, kind)


@pytest.mark.parametrize(
    "text",
    [
        "5137000\nMJD6217311",  # stdnum's `^[0-9]+$` passes it, then its checksum raised ValueError
        "5137000²MJD6217311",
        "51370000MJD621731\x00",
    ],
)
def test_a_line_break_or_other_character_among_the_digits_is_refused_as_malformed(text):
    assert chinese_refusal(validate_uscc, text).code == "uscc_format"


# --- Resident identity numbers (GB 11643, stdnum.cn.ric) ---------------------------------------


@st.composite
def resident_ids(draw) -> str:
    """A number from random valid parts: any area code (ours are not checked), a real birth date,
    a sequence number and the check character."""
    area = draw(st.text(alphabet=string.digits, min_size=6, max_size=6))
    born = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2099, 12, 31)))
    sequence = draw(st.text(alphabet=string.digits, min_size=3, max_size=3))
    body = f"{area}{born:%Y%m%d}{sequence}"
    return body + ric.calc_check_digit(body + "?")


@PURE
@given(resident_ids())
def test_every_resident_id_with_the_right_check_character_is_accepted(number):
    assert validate_resident_id(number) is None
    assert validate_resident_id(number.lower()) is None


@PURE
@given(resident_ids(), st.data())
def test_any_single_character_change_of_a_resident_id_is_refused(number, data):
    position = data.draw(st.integers(0, len(number) - 1))
    replacement = data.draw(st.characters(exclude_characters=[number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    assume(ric.compact(changed) != number)
    assert chinese_refusal(validate_resident_id, changed).code == "resident_id_invalid"


@PURE
@given(st.one_of(any_text, near_identifier))
def test_arbitrary_text_as_a_resident_id_is_accepted_or_refused_never_an_error(text):
    answers_or_refuses(validate_resident_id, text)


def test_resident_ids_in_other_scripts_digits_are_refused():
    """Once accepted (Arabic-Indic digits pass str.isdigit() and int()) or a ValueError (²)."""
    body = "11010119900307001"
    arabic_indic = "".join(chr(0x660 + int(digit)) for digit in body) + ric.calc_check_digit(body + "?")
    for number in [arabic_indic, "1101011990030²0018", "110101199003070²18"]:
        chinese_refusal(validate_resident_id, number)


# --- The organizations spreadsheet (registry.services.importing) ----------------------------------

FORMULAS = ["=1+1", "=SUM(A1:A3)", '=HYPERLINK("http://example.com","x")', "+1", "-1", "@SUM(1)", "=cmd|' /C calc'!A0"]
cell_junk = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=30),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl"]), max_size=10),  # control characters
    st.text(min_size=1, max_size=4).map(lambda text: text * 1500),  # very long
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates(),
    st.datetimes(),
    st.sampled_from(FORMULAS),
)


PLACES = [
    ("湛山街道", "盐城路社区"),
    ("湛山", "仰口路"),
    ("八大关街道", "太平角社区"),
    ("八大关街道", ""),
    ("火星街道", ""),
]


@st.composite
def sheet_rows(draw) -> dict:
    """A row as a bureau's sheet holds it (so that some are imported), with up to three of its
    cells replaced by anything at all."""
    kind = draw(st.sampled_from(OrganizationKind))
    street, community = draw(st.sampled_from(PLACES))
    day = draw(st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2025, 12, 31)))
    row = dict.fromkeys(HEADERS, "")
    row |= {
        "名称": draw(st.text(alphabet="市南区青少年科技文化协会养老服务中心", min_size=2, max_size=20)),
        "类型": str(kind.label),
        "街道": street,
        "社区": community,
        "活动领域": "、".join(draw(st.lists(st.sampled_from([str(f.label) for f in FieldOfActivity]), max_size=3))),
        "成立日期": draw(st.sampled_from([f"{day:%Y-%m-%d}", f"{day:%Y年%m月%d日}", f"{day:%Y%m%d}"])),
        "开办资金": draw(st.sampled_from(["", "30000", "30,000元", "1234.5"])),
        "住所": draw(st.text(alphabet="青岛市市南区湛山路号0123456789", max_size=30)),
        "法定代表人": draw(st.text(alphabet="王李张建国红", max_size=4)),
    }
    if kind == OrganizationKind.COMMUNITY_GROUP:
        row["备案编号"] = make_filing_number(draw(st.integers(1, 99_999)))
    else:
        row["统一社会信用代码"] = draw(credit_codes(department="5", category=USCC_KIND_CHARACTER[kind]))
        row["类别"] = str(draw(st.sampled_from(Category.direct_registration())).label)
    for header in draw(st.sets(st.sampled_from(HEADERS), max_size=3)):
        row[header] = draw(cell_junk)
    return row


rows = st.lists(sheet_rows(), min_size=1, max_size=4)


def as_csv(headers: list[str], values: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([["" if row[h] is None else str(row[h]) for h in headers] for row in values])
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(headers: list[str], values: list[dict]) -> bytes:
    """Typed cells (numbers, dates, formulas) as Excel keeps them; text without the control
    characters a workbook cannot hold."""

    def cell(value):
        if isinstance(value, str):
            return ILLEGAL_CHARACTERS_RE.sub("", value)[:32_000]
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return str(value)  # a workbook has no NaN or infinity
        return value

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in values:
        sheet.append([cell(row[h]) for h in headers])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def database_state() -> tuple:
    organizations = Organization.objects.order_by("pk").values_list("pk", "name", "uscc", "filing_number", "street")
    return list(organizations), OrganizationChange.objects.count()


@settings(DB, max_examples=60)
@given(
    values=rows,
    headers=st.permutations(HEADERS),
    file_format=st.sampled_from(["csv", "xlsx"]),
    dry_run=st.booleans(),
)
def test_any_spreadsheet_gets_row_errors_or_is_imported_and_a_wrong_row_writes_nothing(
    tree, values, headers, file_format, dry_run
):
    content = as_csv(headers, values) if file_format == "csv" else as_xlsx(headers, values)
    with transaction.atomic():  # each example starts from the same database
        before = database_state()
        try:
            report = import_organizations(content=content, filename=f"orgs.{file_format}", actor=None, dry_run=dry_run)
        except ImportFileError as error:  # the file as a whole is refused, in Chinese
            event("file refused")
            assert HAN.search(str(error)), str(error)
            assert database_state() == before
            transaction.set_rollback(True)
            return
        assert len(report.rows) == len(values)
        event("committed" if report.committed else "rows refused" if report.has_errors else "dry run passed")
        for row in report.rows:
            event(f"row {row.status}")
        for row in report.rows:
            # "error" is an exception import-export caught: a bug, shown to the clerk as its repr.
            assert row.status in {"new", "update", "skip", "invalid"}, (row.number, row.status, row.errors)
            assert bool(row.errors) == (row.status == "invalid"), (row.number, row.errors)
            assert all(HAN.search(message) for message in row.errors), row.errors
        if dry_run or report.has_errors:
            assert not report.committed
            assert database_state() == before
        else:
            assert report.committed
            created = Organization.objects.count() - len(before[0])
            assert created == report.count("new")
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("开办资金", "1E+30", "开办资金：金额过大，请核对。"),  # quantize() raised InvalidOperation: an "error" row
        ("活动领域", "0", "活动领域：“0”不是有效的活动领域"),  # was checked only while saving: an "error" row
    ],
)
def test_cells_that_once_failed_the_import_are_the_rows_errors(tree, column, value, message):
    row = {h: "" for h in HEADERS} | {"名称": "某协会", "类型": "社会团体", "类别": "科技类", "街道": "湛山街道"}
    row |= {"统一社会信用代码": make_uscc(), column: value}
    report = import_organizations(content=as_csv(HEADERS, [row]), filename="a.csv", actor=None, dry_run=False)
    assert [(r.status, r.errors[0][: len(message)]) for r in report.rows] == [("invalid", message)]
    assert not Organization.objects.exists()


# --- The directory's search ------------------------------------------------------------------------

SQL_LIKE = [
    "' OR 1=1 --",
    '"; DROP TABLE registry_organization; --',
    "%",
    "_",
    "\\",
    "%%' UNION SELECT password FROM auth_user --",
    "<script>alert(1)</script>",
    "\x00",
    "\x00备字〔2026〕第0001号",
    "市南备字〔２０２６〕第０００１号",
    "12\x0034567890123456",
]
queries = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="养老服务湛山志愿者协会yanglaoYLFW 0123456789%_'\"\\", max_size=30),
    st.sampled_from(SQL_LIKE),
    st.tuples(st.sampled_from(SQL_LIKE), st.text(max_size=10)).map("".join),
    st.text(min_size=1, max_size=3).map(lambda text: text * 3000),  # huge
    credit_codes(),
)


@PURE
@given(queries)
def test_parse_query_never_raises_and_keeps_only_bounded_word_terms(query):
    terms = parse_query(query)
    assert len(terms) <= MAX_TERMS
    assert all(term and term == term.strip() for term in terms)


@pytest.fixture
def directory(tree, client):
    ensure_site_pages()
    create_org(street=tree.zhanshan, name="湛山颐和养老服务中心", activity_codes=["elderly_care"])
    create_org(street=tree.badaguan, kind=OrganizationKind.COMMUNITY_GROUP, name="太平角志愿者协会")
    return client


@DB
@given(q=queries)
# A NUL in a query parameter is a DataError on PostgreSQL: these were 500s there.
@example(q="\x00备字〔2026〕第0001号")
@example(q="51370000MJD621731\x00")
@example(q="养老\x00")
def test_the_directory_search_and_page_answer_any_query(directory, q):
    filters = DirectoryFilters(q=q, street=[q[:20]], extra={"federation": [q[:20]]})
    assert list(search_directory(filters)) == []  # no street or federation has that code
    filters = DirectoryFilters(q=q)
    results = list(search_directory(filters))
    assert len(results) <= 2
    assert set(facet_counts(filters)) >= {"kind", "street"}
    response = directory.get("/directory/", {"q": q})
    if "\x00" in q:  # refused before any view runs (portal.security.null_bytes)
        assert response.status_code == 400
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert 'name="q"' in html
