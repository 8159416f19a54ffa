"""English is complete: every msgid of the catalogue has its English, the compiled catalogue matches
the .po, and the public pages show no Chinese interface text in English (data such as
organization, street and page names stays Chinese and is left out of the checks).

The .po is read by a small reader of our own, so these tests need neither gettext nor polib."""

import ast
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.enums import FieldOfActivity, OrganizationKind, OrganizationStatus
from registry.models import Organization
from registry.selectors.organizations import public_organizations
from registry.services.organizations import update_organization

LOCALE_DIR = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"
OUR_APPS = ["registry", "federation", "evaluation", "portal"]
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[sd]")


# --- A reader for the .po file -------------------------------------------------------------------


class Entry:
    def __init__(self):
        self.flags: set[str] = set()
        self.msgctxt: str | None = None
        self.msgid = ""
        self.msgid_plural: str | None = None
        self.msgstr: dict[int, str] = {}
        self.line = 0

    @property
    def key(self) -> str:
        """The key of the entry in a compiled catalogue: gettext joins context and msgid with EOT."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """(header, entries) of a .po file; obsolete (#~) entries are skipped as msgfmt skips them."""
    entries: list[Entry] = []
    entry, field = Entry(), None

    def finish():
        nonlocal entry, field
        if field is not None:
            entries.append(entry)
        entry, field = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#,"):
            if field is not None and field != "comment":
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
        else:
            keyword, _space, literal = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and field not in (None, "msgctxt"):
                finish()
            field, value = keyword, ast.literal_eval(literal)
            entry.line = entry.line or number
            if field.startswith("msgstr["):
                entry.msgstr[int(field[7:-1])] = ""
            elif field == "msgstr":
                entry.msgstr[0] = ""
        if field == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + value
        elif field == "msgid":
            entry.msgid += value
        elif field == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
        elif field == "msgstr":
            entry.msgstr[0] += value
        else:
            entry.msgstr[int(field[7:-1])] += value
    finish()
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    return header, [e for e in entries if e is not header]


@pytest.fixture(scope="module")
def po():
    return read_po(PO_FILE)


def describe(entry: Entry) -> str:
    return f"django.po line {entry.line}: {entry.msgid!r}"


# --- The catalogue -------------------------------------------------------------------------------


def test_the_catalogue_has_an_english_msgstr_for_every_msgid_and_nothing_fuzzy(po):
    header, entries = po
    assert len(entries) > 300
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    problems = [describe(e) + " is fuzzy" for e in entries if "fuzzy" in e.flags]
    for entry in entries:
        forms = [0, 1] if entry.msgid_plural is not None else [0]
        if sorted(entry.msgstr) != forms or not all(entry.msgstr[form].strip() for form in forms):
            problems.append(describe(entry) + " is untranslated")
    assert not problems, "\n".join(problems)


def test_every_msgstr_keeps_the_placeholders_of_its_msgid(po):
    _header, entries = po
    problems = []
    for entry in entries:
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for msgstr in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(msgstr)) != expected:
                problems.append(f"{describe(entry)} → {msgstr!r}")
    assert not problems, "\n".join(problems)


def test_msgstrs_are_english_except_quoted_chinese_formats(po):
    """Chinese may remain only where a clerk must type it: a quoted column name or number format
    (“备案编号”, “市南备字〔2026〕第0001号”) or a format after "For example:"."""
    _header, entries = po
    problems = []
    for entry in entries:
        for msgstr in entry.msgstr.values():
            english = re.sub(r"“[^”]*”", "", msgstr.split("For example:")[0])
            if CJK.search(english):
                problems.append(f"{describe(entry)} → {msgstr!r}")
    assert not problems, "\n".join(problems)


def test_the_compiled_catalogue_holds_exactly_the_translations_of_the_po(po):
    """django.mo is kept in git (a machine without gettext still has English); it must be
    recompiled whenever django.po changes (`make messages`)."""
    _header, entries = po
    with MO_FILE.open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    stale = []
    for entry in entries:
        if entry.msgid_plural is not None:
            for n, form in ((1, 0), (2, 1)):
                if compiled.ngettext(entry.msgid, entry.msgid_plural, n) != entry.msgstr[form]:
                    stale.append(describe(entry))
        elif entry.msgctxt is not None:
            if compiled.pgettext(entry.msgctxt, entry.msgid) != entry.msgstr[0]:
                stale.append(describe(entry))
        elif compiled.gettext(entry.msgid) != entry.msgstr[0]:
            stale.append(describe(entry))
    assert not stale, "django.mo is older than django.po: run `make messages`\n" + "\n".join(stale)
    compiled_keys = {key if isinstance(key, str) else key[0] for key in compiled._catalog} - {""}
    assert compiled_keys == {entry.key for entry in entries}, "django.mo has other msgids than django.po"


# Simple literal calls only; a msgid built any other way is still covered by the page checks below.
PYTHON_MSGID = re.compile(r"""\b(?:_|gettext|gettext_lazy)\(\s*"((?:[^"\\]|\\.)*)"\s*\)""")
TEMPLATE_MSGID = re.compile(r"""\{%\s*(?:trans|translate)\s+(["'])(.*?)\1(?![^%]*\bcontext\b)""")


def source_msgids() -> dict[str, str]:
    """msgid → where it was found, for the simple gettext calls and trans tags of our code."""
    found = {}
    for app in OUR_APPS:
        for path in (settings.BASE_DIR / app).rglob("*"):
            if "migrations" in path.parts:
                continue
            if path.suffix == ".py":
                for match in PYTHON_MSGID.finditer(path.read_text(encoding="utf-8")):
                    found[ast.literal_eval(f'"{match.group(1)}"')] = str(path)
            elif path.suffix == ".html":
                for match in TEMPLATE_MSGID.finditer(path.read_text(encoding="utf-8")):
                    found[match.group(2)] = str(path)
    return found


def test_every_msgid_of_our_code_is_in_the_catalogue(po):
    """A string added to the code without `make messages` would show in Chinese on English pages."""
    _header, entries = po
    known = {entry.msgid for entry in entries}
    found = source_msgids()
    assert len(found) > 200
    missing = sorted(f"{msgid!r} ({where})" for msgid, where in found.items() if msgid not in known)
    assert not missing, "run `make messages` and translate:\n" + "\n".join(missing)


def test_labels_come_out_in_english_and_stay_chinese_by_default():
    with translation.override("en"):
        assert OrganizationKind.SOCIAL_GROUP.label == "Social group"
        assert OrganizationKind.SERVICE_INSTITUTION.label == "Private non-enterprise unit"
        assert OrganizationKind.COMMUNITY_GROUP.label == "Community organization"
        assert OrganizationStatus.ABNORMAL.label == "Abnormal activity"
        assert FieldOfActivity.ELDERLY_CARE.label == "Elderly care"
        assert Organization._meta.verbose_name == "Social organization"
        assert Organization._meta.get_field("uscc").verbose_name == "Unified social credit code"
        assert Organization._meta.get_field("filing_number").verbose_name == "Filing number"
        assert _("大字版") == "Large text"
        assert _("开放数据") == "Open data"
        assert ngettext("共找到 %(counter)s 个组织", "共找到 %(counter)s 个组织", 1) == "%(counter)s organization found"
        assert (
            ngettext("共找到 %(counter)s 个组织", "共找到 %(counter)s 个组织", 5) == "%(counter)s organizations found"
        )
    assert OrganizationKind.SOCIAL_GROUP.label == "社会团体"
    assert Organization._meta.verbose_name == "社会组织"


# --- The pages in English ------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class InterfaceText(HTMLParser):
    """The interface text of a page: what our templates and labels write, not the data they show.

    Collected: the skip link, the portal's name, the main navigation, buttons, labels tied to a field
    (`for`), legends, definition terms, column headers, captions, the sort options, h2 headings
    other than the bureau's name, h1 unless it is a page's or organization's name, the statistics
    lead, the open data page's paragraphs and list, and every aria-label and placeholder. Left out:
    organization, street and community names, page titles and bodies, the bureau's contacts and
    footer links (site settings), and the language names of the language menu.
    """

    def __init__(self, *, with_h1: bool, page: str):
        super().__init__(convert_charrefs=True)
        self.with_h1 = with_h1
        self.page = page
        self.stack: list[bool] = []  # per open element: does a collected piece start there?
        self.depth = 0  # open elements inside the collected piece
        self.current: list[str] = []
        self.texts: list[str] = []
        self.in_main = False
        self.in_sort = False

    def collects(self, tag: str, attrs: dict) -> bool:
        classes = (attrs.get("class") or "").split()
        return (
            (tag == "a" and "skip-link" in classes)
            or (tag == "span" and "site-name__portal" in classes)
            or (tag == "nav" and "main-nav" in classes)
            or tag in ("button", "legend", "dt", "caption")
            or (tag == "th" and attrs.get("scope") == "col")
            or (tag == "label" and "for" in attrs)
            or (tag == "option" and self.in_sort)
            or (tag == "h2" and attrs.get("id") != "footer-contact")
            or (tag == "h1" and self.with_h1)
            or (tag == "p" and "lead" in classes and self.page == "statistics")
            or (tag in ("p", "li") and self.in_main and self.page == "open-data")
        )

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("aria-label", "placeholder"):
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "main":
            self.in_main = True
        if tag == "select":
            self.in_sort = attrs.get("name") == "sort"
        if tag in VOID:
            return
        if self.depth:
            self.stack.append(False)
            self.depth += 1
            self.current.append(" ")  # the nav's links are separate words
        elif self.collects(tag, attrs):
            self.stack.append(True)
            self.depth = 1
            self.current = []
        else:
            self.stack.append(False)

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        if tag == "select":
            self.in_sort = False
        if tag in VOID or not self.stack:
            return
        starts = self.stack.pop()
        if self.depth:
            self.depth -= 1
        if starts:
            text = " ".join("".join(self.current).split())
            if text:
                self.texts.append(text)
            self.depth = 0

    def handle_data(self, data):
        if self.depth:
            self.current.append(data)


def interface_text(html: str, *, with_h1: bool = True, page: str = "") -> list[str]:
    parser = InterfaceText(with_h1=with_h1, page=page)
    parser.feed(html)
    parser.close()
    return parser.texts


def get_english(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert '<html lang="en"' in html
    return html


def assert_no_chinese(texts: list[str], url: str) -> None:
    chinese = [text for text in texts if CJK.search(text)]
    assert not chinese, f"Chinese interface text on {url}: {chinese}"


@pytest.mark.django_db
def test_english_home_page_has_no_chinese_interface_text(client, demo):
    html = get_english(client, "/en/")
    texts = interface_text(html, with_h1=False)  # the h1 is the home page's title, content
    assert_no_chinese(texts, "/en/")
    for expected in [
        "Skip to main content",
        "Social Organization Registration and Evaluation Portal",
        "Large text",
        "Language",
        "Main navigation",
        "Social organizations of the district at a glance",
        "Latest news",
        "Find a social organization by name, pinyin or unified social credit code",
        "Social group",
        "Filed community organizations",
        "Streets",
        "Related links",
        "Address",
        "Office hours",
    ]:
        assert expected in texts, expected
    nav = next(text for text in texts if text.startswith("Home "))
    assert nav.startswith("Home Directory News Policies and regulations Service guides Statistics")
    assert "Staff sign-in" in html and "Accessibility statement" in html


@pytest.mark.django_db
def test_english_directory_has_no_chinese_interface_text(client, demo):
    html = get_english(client, "/en/directory/")
    texts = interface_text(html)
    assert_no_chinese(texts, "/en/directory/")
    for expected in [
        "Directory of social organizations",
        "Search by name (in Chinese characters, pinyin or pinyin initials), unified social credit code or "
        "filing number",
        "For example: yanglao or ylfw",
        "Search",
        "Filters",
        "Filter results",
        "Type",
        "Category",
        "Registration route",
        "Field of activity",
        "Street",
        "Credit status",
        "Apply filters",
        "Sort",
        "Relevance",
        "Date founded (newest first)",
        "Pagination",
    ]:
        assert expected in texts, expected
    assert any(re.fullmatch(r"\d+ organizations found", text) for text in texts)
    # Facet values that are labels (not names) are English too.
    assert "Social group" in html and "On the abnormal-activity list" in html
    assert "Page 1 of" in html and "Next page" in html
    assert "Clear all filters" in html
    assert "Choose a street to filter by its communities." in html  # communities come with a street


@pytest.mark.django_db
def test_english_directory_says_when_nothing_is_found(client, demo):
    html = get_english(client, "/en/directory/?q=zzzzzzzz")
    assert "0 organizations found" in interface_text(html)
    assert "No organization matches. Try fewer filters or a different search term." in html


@pytest.mark.django_db
def test_english_organization_page_has_no_chinese_interface_text(client, demo):
    organization = (
        public_organizations().filter(kind=OrganizationKind.SOCIAL_GROUP).exclude(uscc=None).order_by("pk").first()
    )
    update_organization(organization=organization, actor=None, data={"address": "青岛市市南区新址路1号"}, source="测试")
    url = f"/en/directory/{organization.uscc}/"
    html = get_english(client, url)
    texts = interface_text(html, with_h1=False)  # the h1 is the organization's name
    assert_no_chinese(texts, url)
    for expected in [
        "Registration details",
        "Change history",
        "Changes to the registered details",
        "Name",
        "Unified social credit code",
        "Type",
        "Status",
        "Street",
        "Registered address",
        "Date",
        "Item",
        "Before",
        "After",
        "Breadcrumb",
    ]:
        assert expected in texts, expected
    assert "Unified social credit code: <strong>" in html
    assert "<dd>Social group</dd>" in html
    assert "<td>Registered address</td>" in html  # the changed field, named in English


@pytest.mark.django_db
def test_english_statistics_page_has_no_chinese_interface_text(client, demo):
    html = get_english(client, "/en/statistics/")
    texts = interface_text(html, with_h1=False, page="statistics")  # the h1 is the page's title
    assert_no_chinese(texts, "/en/statistics/")
    for expected in [
        "By type",
        "By category (registered organizations)",
        "By field of activity",
        "By street",
        "By status",
        "Item",
        "Number",
        "Social group",
        "Community organization",
        "Street federations",
    ]:
        assert expected in texts, expected
    assert any(
        re.fullmatch(
            r"The district has \d+ social organizations and \d+ street federations of community "
            r"organizations\.",
            text,
        )
        for text in texts
    )
    # The pie charts' legends: translated labels and punctuation.
    assert re.search(r"Social group: \d+ \(\d+%\)", html)
    assert "Elderly care" in html


@pytest.mark.django_db
def test_english_open_data_page_has_no_chinese_interface_text(client, demo):
    html = get_english(client, "/en/open-data/")
    texts = interface_text(html, page="open-data")
    assert_no_chinese(texts, "/en/open-data/")
    for expected in [
        "Open data",
        "Fields",
        "JSON field",
        "CSV (UTF-8, opens directly in Excel)",
        "XLSX (Excel spreadsheet)",
        "JSON API documentation (OpenAPI)",
    ]:
        assert expected in texts, expected
    # The field table names each field in English beside its JSON key.
    assert "<td>Unified social credit code</td><td><code>uscc</code></td>" in html
