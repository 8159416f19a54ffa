"""The whole online filing of a community group, in the browser: a person signs up, fills in the
filing, uploads the required documents and submits, the street federation pre-reviews, the street
office accepts and approves, and the group appears in the public directory with its filing number."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

GROUP = "盐城路社区银龄合唱团"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FILING_NUMBER = re.compile(r"市南备字〔\d{4}〕第\d{4}号")


def verification_link(mail_dir: Path, email: str) -> str:
    """The link in the newest e-mail sent to `email` (the server writes each message to a file)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for message in sorted(mail_dir.glob("*.log"), key=lambda path: path.stat().st_mtime, reverse=True):
            text = message.read_text(encoding="utf-8", errors="replace")
            if email in text:
                match = re.search(r"https?://\S+/account/verify/\S+/", text)
                if match:
                    return match.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no verification e-mail to {email} in {mail_dir}")


def admin_login(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo2026")
    page.locator("#id_password").press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/$"))


def take_action(page: Page, application_url: str, action: str, reason: str) -> None:
    page.goto(application_url)
    page.fill("#reason", reason)
    page.locator(f'button[name="action"][value="{action}"]').click()
    expect(page.locator(".messages")).to_contain_text("已办理")


def test_sign_up_file_pre_review_approve_and_find_it_in_the_directory(page: Page, mail_dir: Path):
    email = f"choir{int(time.time())}@example.com"
    page.goto("/account/signup/")
    page.fill("#id_email", email)
    page.fill("#id_password1", "Yinling-2026-choir")
    page.fill("#id_password2", "Yinling-2026-choir")
    page.get_by_role("button", name="注册").click()
    expect(page.locator("main")).to_contain_text(email)

    page.goto(verification_link(mail_dir, email))
    expect(page.locator("main")).to_contain_text("电子邮箱已验证")

    page.goto("/account/applications/new/filing/")
    page.fill("#id_name", GROUP)
    page.select_option("#id_street", label="湛山街道")
    page.select_option("#id_community", label="盐城路社区")
    page.fill("#id_address", "青岛市市南区盐城路12号")
    page.fill("#id_legal_representative", "周秀英")
    page.get_by_role("button", name="下一步：上传材料").click()
    expect(page.locator("main")).to_contain_text("请上传所需材料")
    for kind in ("charter", "member_list", "id_document"):
        page.select_option("#id_kind", value=kind)
        page.set_input_files("#id_file", files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        page.get_by_role("button", name="上传", exact=True).click()
        expect(page.locator(".messages")).to_contain_text("已上传")
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator("main")).to_contain_text("已提交")
    application_id = re.search(r"/account/applications/(\d+)/", page.url).group(1)
    application_url = f"/admin/applications/inspect/{application_id}/"

    admin_login(page, "federation_staff")
    take_action(page, application_url, "pre_review", "材料齐全，同意备案")
    admin_login(page, "street_officer")
    take_action(page, application_url, "accept", "受理")
    take_action(page, application_url, "approve", "符合社区社会组织备案条件")

    page.context.clear_cookies()
    page.goto("/directory/")
    page.get_by_role("searchbox").fill(GROUP)
    page.get_by_role("button", name="搜索", exact=True).click()
    page.get_by_role("link", name=GROUP).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(GROUP)
    expect(page.locator("main")).to_contain_text(FILING_NUMBER)
