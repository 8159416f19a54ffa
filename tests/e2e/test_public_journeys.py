"""A visitor's journeys through the public site in a real browser: finding an organization from
the home page, the pages' accessibility (axe-core), and screenshots in Chinese and English."""

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

# The unified social credit code: 18 characters of digits and capitals without I, O, S, V, Z.
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
PAGES = ("home", "directory", "organization", "statistics")
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="session")
def organization_paths(browser, base_url) -> dict[str, str]:
    """The addresses of the first organizations the directory finds for 养老: one registered
    (identified by its credit code) and one filed community group (by its filing number)."""
    page = browser.new_page(base_url=base_url)
    try:
        paths = {}
        for key, kind in [("credit code", "service_institution"), ("filing number", "community_group")]:
            page.goto(f"/directory/?q=养老&kind={kind}")
            paths[key] = results(page).get_by_role("heading", level=3).get_by_role("link").first.get_attribute("href")
        return paths
    finally:
        page.close()


def address(name: str, organization_paths: dict[str, str]) -> str:
    if name == "organization":
        return organization_paths["credit code"]
    if name.startswith("organization"):  # "organization (filing number)"
        return organization_paths[name.partition("(")[2].rstrip(")")]
    return {"home": "/", "directory": "/directory/", "statistics": "/statistics/"}[name]


def results(page: Page):
    """The directory's results section (named by its heading, 共找到 N 个组织)."""
    return page.get_by_role("region", name=re.compile(r"共找到|Found|found"))


def result_count(page: Page) -> int:
    heading = results(page).get_by_role("heading", level=2).inner_text()
    return int(re.search(r"\d+", heading).group())


def test_find_an_elderly_care_institution_from_the_home_page(page: Page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="组织名录").click()
    expect(page).to_have_url(re.compile(r"/directory/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("社会组织名录")
    everything = result_count(page)

    page.get_by_role("searchbox").fill("养老")
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]q=%E5%85%BB%E8%80%81"))
    expect(page.get_by_role("searchbox")).to_have_value("养老")
    searched = result_count(page)
    assert 0 < searched < everything

    kind = page.get_by_role("group", name="类型").get_by_role("checkbox", name=re.compile("民办非企业单位"))
    kind.check()
    page.get_by_role("button", name="应用筛选").click()
    expect(page).to_have_url(re.compile(r"[?&]kind=service_institution"))
    expect(kind).to_be_checked()
    expect(page.get_by_role("searchbox")).to_have_value("养老")
    filtered = result_count(page)
    assert 0 < filtered <= searched

    items = results(page).get_by_role("listitem")
    expect(items.first).to_be_visible()
    names = items.get_by_role("heading", level=3).all_inner_texts()
    metas = items.locator(".meta").all_inner_texts()
    assert len(names) == len(metas) == min(filtered, 20)
    for name, meta in zip(names, metas, strict=True):
        assert "养老" in name, name
        assert meta.split("·")[0].strip() == "民办非企业单位", (name, meta)

    first_name = names[0]
    first_code = metas[0].split("·")[1].strip()
    assert CREDIT_CODE.match(first_code), first_code
    items.first.get_by_role("link", name=first_name).click()

    expect(page).to_have_url(re.compile(rf"/directory/{first_code}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(first_name)
    expect(page.locator("main")).to_contain_text(f"统一社会信用代码：{first_code}")
    expect(page).to_have_title(re.compile(f"^{re.escape(first_name)} · "))


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_accessibility_violations(page: Page, organization_paths, name):
    response = page.goto(address(name, organization_paths))
    assert response.ok, response.status
    violations = [
        violation for violation in Axe().run(page).response["violations"] if violation["impact"] in BLOCKING_IMPACTS
    ]
    assert not violations, f"{name} ({page.url}):\n" + describe(violations)


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            lines.append(f"      {node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "directory",
        "organization (credit code)",
        "organization (filing number)",
        "statistics",
    ],
)
def test_language_form_switches_to_english(page: Page, organization_paths, name):
    chinese = address(name, organization_paths)
    page.goto(chinese)
    page.get_by_label("语言").select_option("en")
    with page.expect_navigation():
        page.get_by_role("button", name="切换").click()
    assert page.url.endswith(f"/en{chinese}"), page.url
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_full_page_screenshot(page: Page, organization_paths, screenshots_dir: Path, name, language):
    prefix = {"zh": "", "en": "/en"}[language]
    response = page.goto(prefix + address(name, organization_paths))
    assert response.ok, response.status
    expect(page.locator("html")).to_have_attribute("lang", {"zh": "zh-hans", "en": "en"}[language])

    path = screenshots_dir / f"{name}-{language}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=path, full_page=True)
    assert path.is_file()
    assert path.stat().st_size > 20_000, f"{path} is only {path.stat().st_size} bytes"
