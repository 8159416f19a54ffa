"""Bulk issue of a campaign's certificates as a background task, its progress page, the ZIP of the
campaign's certificates, and the organization's own download — each scoped to who may see it."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.enums import CaseState, Grade
from evaluation.models import Campaign, Certificate, CertificateRun
from evaluation.services import certificate_pdf, certificate_runs, certificates
from evaluation.tasks import issue_campaign_certificates_task
from registry.enums import Role
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

pytest_plugins = ["tests.evaluation.grade_fixtures"]


def validity(today) -> tuple[datetime.date, datetime.date]:
    """(valid_from, valid_until) of a grade in force on `today`: from ten days before, for three years after."""
    return today - datetime.timedelta(days=10), today.replace(year=today.year + 3)


@pytest.fixture
def graded(evaluation, grant, tree, today):
    """Three grades that call for a certificate (5A, 4A, 3A) and one that does not (2A)."""
    organizations = [evaluation.organization] + [
        create_org(street=tree.zhanshan, name=name)
        for name in ("市南区青年志愿者协会", "市南区书法家协会", "市南区棋类协会")
    ]
    grades = [
        grant(organization, grade, valid=validity(today))
        for organization, grade in zip(organizations, (Grade.A5, Grade.A4, Grade.A3, Grade.A2), strict=True)
    ]
    return grades[:3], grades[3]


def start(evaluation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return certificate_runs.start_certificate_run(campaign=evaluation.campaign, actor=evaluation.officer)


# --- The task -------------------------------------------------------------------------------------


def test_the_task_issues_every_certificate_and_counts_as_it_goes(
    evaluation, graded, monkeypatch, django_capture_on_commit_callbacks
):
    to_certify, below = graded
    seen = []
    issue = certificates.issue_certificate

    def issue_and_watch(**kwargs):
        seen.append(CertificateRun.objects.values_list("status", "issued", "total").get())
        return issue(**kwargs)

    monkeypatch.setattr(certificates, "issue_certificate", issue_and_watch)
    run = start(evaluation, django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert seen == [("running", 0, 3), ("running", 1, 3), ("running", 2, 3)]
    assert (run.status, run.issued, run.total, run.error) == ("done", 3, 3, "")
    assert run.task_id and run.finished_at is not None and run.requested_by == evaluation.officer
    for grade in to_certify:
        certificate = grade.certificates.get()
        assert certificate.pdf and certificate.pdf.storage.exists(certificate.pdf.name)
    assert not below.certificates.exists()
    assert sorted(Certificate.objects.values_list("sequence", flat=True)) == [1, 2, 3]


def test_running_the_task_again_issues_nothing_twice(evaluation, graded, django_capture_on_commit_callbacks):
    run = start(evaluation, django_capture_on_commit_callbacks)
    numbers = set(Certificate.objects.values_list("number", flat=True))
    issue_campaign_certificates_task.enqueue(run.pk)  # delivered twice
    run.refresh_from_db()
    assert (run.status, run.issued) == ("done", 3)
    assert set(Certificate.objects.values_list("number", flat=True)) == numbers
    with pytest.raises(ValidationError, match="没有待发放的证书"):
        start(evaluation, django_capture_on_commit_callbacks)


def test_a_failure_mid_run_leaves_whole_certificates_and_a_rerun_finishes(
    evaluation, graded, monkeypatch, django_capture_on_commit_callbacks
):
    to_certify, _below = graded
    store = certificate_pdf.store_pdf
    failing = to_certify[1]

    def store_or_fail(certificate):
        # After the number, the signature and the row: the worst moment to fail.
        if certificate.grade_record_id == failing.pk:
            raise OSError("磁盘已满")
        store(certificate)

    monkeypatch.setattr(certificate_pdf, "store_pdf", store_or_fail)
    run = start(evaluation, django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert (run.status, run.issued, run.total) == ("failed", 1, 3)
    assert failing.organization.name in run.error and "磁盘已满" in run.error
    assert run.finished_at is not None
    # The certificate being issued is gone entirely, number included; the one before stays.
    assert list(Certificate.objects.values_list("grade_record", "sequence")) == [(to_certify[0].pk, 1)]
    assert not failing.certificates.exists()

    monkeypatch.setattr(certificate_pdf, "store_pdf", store)
    second = start(evaluation, django_capture_on_commit_callbacks)  # a failed run does not block
    second.refresh_from_db()
    assert (second.status, second.issued, second.total) == ("done", 2, 2)
    assert sorted(Certificate.objects.values_list("sequence", flat=True)) == [1, 2, 3]  # no gap


def test_a_stopped_run_can_be_queued_again_and_carries_on(evaluation, graded, django_capture_on_commit_callbacks):
    to_certify, _below = graded
    certificates.issue_certificate(grade_record=to_certify[0], actor=evaluation.officer)
    # A worker that died after one certificate: the run still says running.
    run = CertificateRun.objects.create(
        campaign=evaluation.campaign, requested_by=evaluation.officer, status="running", total=3, issued=1
    )
    with pytest.raises(ValidationError, match="正在进行"):
        start(evaluation, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_runs.requeue_certificate_run(run=run, actor=evaluation.officer)
    run.refresh_from_db()
    assert (run.status, run.issued, run.total) == ("done", 3, 3)
    assert Certificate.objects.count() == 3
    with pytest.raises(ValidationError, match="只有排队中或进行中"):
        certificate_runs.requeue_certificate_run(run=run, actor=evaluation.officer)


def test_only_the_campaigns_officers_start_a_run(evaluation, graded, tree, make_officer):
    street_officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    for outsider in (evaluation.account, street_officer, evaluation.manager, evaluation.members[0].user):
        with pytest.raises(PermissionDenied):
            certificate_runs.start_certificate_run(campaign=evaluation.campaign, actor=outsider)
    assert not CertificateRun.objects.exists()


# --- The back office ------------------------------------------------------------------------------


def test_the_officer_starts_a_run_from_the_campaigns_page_and_follows_it(
    client, evaluation, graded, django_capture_on_commit_callbacks
):
    client.force_login(evaluation.officer)
    index = client.get(reverse("evaluation_certificate_issue:index")).content.decode()
    assert evaluation.campaign.name in index and "发放证书" in index
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluation_certificate_issue:start", args=[evaluation.campaign.pk]))
    run = CertificateRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("evaluation_certificate_issue:run", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert "已完成" in page and "已发放3份，共3份" in page
    assert 'http-equiv="refresh"' not in page  # finished: no more reloading


def test_the_run_page_reloads_itself_while_the_run_is_going(client, evaluation):
    run = CertificateRun.objects.create(campaign=evaluation.campaign, status="running", total=500, issued=120)
    client.force_login(evaluation.officer)
    page = client.get(reverse("evaluation_certificate_issue:run", args=[run.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "进行中" in page and "已发放120份，共500份" in page and "（24%）" in page
    assert "<script>" not in page.split("</head>")[0].split("refresh")[1]


def test_the_back_office_pages_are_the_campaigns_officers_only(client, evaluation, graded, tree, make_officer):
    run = CertificateRun.objects.create(campaign=evaluation.campaign, status="done", total=0)
    street_officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    client.force_login(street_officer)
    assert evaluation.campaign.name not in client.get(reverse("evaluation_certificate_issue:index")).content.decode()
    for url in (
        reverse("evaluation_certificate_issue:run", args=[run.pk]),
        reverse("evaluation_certificate_issue:zip", args=[evaluation.campaign.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("evaluation_certificate_issue:start", args=[evaluation.campaign.pk])).status_code == 404
    assert not CertificateRun.objects.exclude(pk=run.pk).exists()


def test_the_certificate_list_shows_revoked_ones_and_filters_by_state(
    client, evaluation, graded, django_capture_on_commit_callbacks, today
):
    to_certify, _below = graded
    start(evaluation, django_capture_on_commit_callbacks)
    revoked = certificates.revoke_certificates(grade_record=to_certify[1], reason="等级被取消", on=today)[0]
    client.force_login(evaluation.officer)
    url = reverse("evaluation_certificates:index")
    listing = client.get(url).content.decode()
    assert all(grade.organization.name in listing for grade in to_certify)
    assert "已撤销" in listing and "有效" in listing
    only_revoked = client.get(url, {"state": "revoked"}).content.decode()
    assert revoked.number in only_revoked and to_certify[0].organization.name not in only_revoked
    only_valid = client.get(url, {"state": "valid", "campaign": evaluation.campaign.pk}).content.decode()
    assert revoked.number not in only_valid and to_certify[0].organization.name in only_valid
    inspect = client.get(reverse("evaluation_certificates:inspect", args=[revoked.pk])).content.decode()
    assert revoked.number in inspect and "等级被取消" in inspect


def test_a_tampered_certificate_is_flagged_in_the_list(client, evaluation, graded, django_capture_on_commit_callbacks):
    start(evaluation, django_capture_on_commit_callbacks)
    Certificate.objects.filter(grade_record=graded[0][2]).update(grade=Grade.A5)  # 3A changed to 5A
    client.force_login(evaluation.officer)
    assert "签名不符（有效）" in client.get(reverse("evaluation_certificates:index")).content.decode()


def test_the_zip_holds_one_pdf_per_standing_certificate_named_by_number(
    client, evaluation, graded, django_capture_on_commit_callbacks, today
):
    to_certify, _below = graded
    start(evaluation, django_capture_on_commit_callbacks)
    certificates.revoke_certificates(grade_record=to_certify[2], reason="等级被取消", on=today)
    standing = Certificate.objects.filter(revoked_on__isnull=True)
    # One whose file went missing is rendered again rather than left out.
    missing = standing.first()
    missing.pdf.storage.delete(missing.pdf.name)
    client.force_login(evaluation.officer)
    response = client.get(reverse("evaluation_certificate_issue:zip", args=[evaluation.campaign.pk]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == sorted(f"{number}.pdf" for number in standing.values_list("number", flat=True))
    for name in archive.namelist():
        assert archive.read(name).startswith(b"%PDF-")


# --- The organization's download -----------------------------------------------------------------


def test_the_organization_downloads_its_own_certificate_only(
    client, evaluation, graded, django_capture_on_commit_callbacks
):
    to_certify, _below = graded
    start(evaluation, django_capture_on_commit_callbacks)
    own = to_certify[0].certificates.get()
    other = to_certify[1].certificates.get()
    url = reverse("certificate_download", args=[own.pk])
    assert client.get(url).status_code == 302  # to the login page

    client.force_login(evaluation.account)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    assert client.get(reverse("certificate_download", args=[other.pk])).status_code == 404

    other_account = UserFactory(username="other_org_account")
    link_organization_account(user=other_account, organization=to_certify[1].organization)
    client.force_login(other_account)
    assert client.get(url).status_code == 404
    client.force_login(evaluation.officer)
    assert client.get(url).status_code == 200


def test_the_case_page_offers_the_certificate(client, evaluation, graded, django_capture_on_commit_callbacks):
    to_certify, _below = graded
    start(evaluation, django_capture_on_commit_callbacks)
    certificate = to_certify[0].certificates.get()
    client.force_login(evaluation.account)
    page = client.get(reverse("account_evaluation_case", args=[to_certify[0].case.pk])).content.decode()
    assert certificate.number in page
    assert reverse("certificate_download", args=[certificate.pk]) in page
    assert reverse("verify_certificate", args=[certificate.code]) in page


def test_the_certificate_list_makes_as_many_queries_for_one_as_for_three(
    client, evaluation, graded, django_capture_on_commit_callbacks
):
    to_certify, _below = graded
    certificates.issue_certificate(grade_record=to_certify[0], actor=evaluation.officer)
    client.force_login(evaluation.officer)
    url = reverse("evaluation_certificates:index")
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    start(evaluation, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as three:
        page = client.get(url).content.decode()
    assert all(grade.organization.name in page for grade in to_certify)
    assert len(three) == len(one)


def test_the_campaigns_page_counts_what_to_issue_in_the_same_queries_for_one_campaign_as_for_four(
    client, evaluation, graded, grant, make_case, tree, today
):
    client.force_login(evaluation.officer)
    url = reverse("evaluation_certificate_issue:index")
    client.get(url)  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert [campaign.to_issue for campaign in response.context["campaigns"]] == [3]

    for year, threshold in ((2023, Grade.A3), (2024, Grade.A5), (2025, Grade.A3)):
        campaign = Campaign.objects.create(
            name=f"{year}年度评估",
            year=year,
            authority=evaluation.campaign.authority,
            committee=evaluation.committee,
            certificate_threshold=threshold,
            applications_open_on=datetime.date(year, 3, 1),
            applications_close_on=datetime.date(year, 6, 30),
            scoring_closes_on=datetime.date(year, 9, 30),
        )
        organization = create_org(street=tree.zhanshan, name=f"市南区{year}年参评协会")
        case = make_case(state=CaseState.FINAL, organization=organization, decided_grade=Grade.A4)
        case.campaign = campaign
        case.save()
        grant(organization, Grade.A4, valid=validity(today), case=case)
    with CaptureQueriesContext(connection) as four:
        response = client.get(url)
    campaigns = response.context["campaigns"]
    # Each campaign's own threshold: its 4A grade calls for a certificate at 3A, not at 5A.
    assert {campaign.year: campaign.to_issue for campaign in campaigns} == {
        evaluation.campaign.year: 3,
        2023: 1,
        2024: 0,
        2025: 1,
    }
    assert all(campaign.to_issue == certificates.certificates_to_issue(campaign).count() for campaign in campaigns)
    assert len(four) == len(one)
