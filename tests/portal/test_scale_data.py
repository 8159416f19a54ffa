"""The synthetic data generator (`manage.py generate_scale_data`) on a small run: what it writes per
table, valid and unique identifiers, a sound tree, what the directory, the organization page and the
verification page make of it, the same data for the same seed, and refusing a database that
already holds organizations."""

import hashlib
import io
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
import rjieba
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from stdnum.cn import uscc

from evaluation.models import Campaign, CampaignFramework, Case, Certificate, Committee, OrganizationGrade
from evaluation.selectors.verification import certificate_by_code
from evaluation.services.certificates import RECORDED_STATES, certificate_status
from portal.scale_data import (
    ScalePlan,
    ScaleSettings,
    _memoize_word_pinyin,
    derivation_row,
    derive_search_fields,
    generate_scale_data,
)
from portal.site_structure import ensure_site_pages
from registry.enums import USCC_KIND_CHARACTER, OrganizationKind, OrganizationStatus, UnitLevel
from registry.models import AdministrativeUnit, AnnualReport, CreditListing, Organization, OrganizationChange
from registry.search import initials
from registry.selectors.directory import DirectoryFilters, search_directory
from registry.services.organizations import refresh_search_fields
from registry.validators import validate_filing_number

pytestmark = pytest.mark.django_db

SEED, COUNT, BATCH = 7, 300, 70  # a batch size that does not divide the count
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """One run for the module, in a transaction rolled back afterwards (as the `demo` fixture)."""
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            result = generate_scale_data(organizations=COUNT, seed=SEED, batch=BATCH, out=io.StringIO())
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    yield result
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def fingerprint(rows) -> str:
    """A digest of (name, credit code or filing number, street code) rows, in order."""
    text = "\n".join(f"{name}|{identifier}|{street}" for name, identifier, street in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def stored_fingerprint() -> str:
    rows = Organization.objects.order_by("pk").values_list("name", "uscc", "filing_number", "street__code")
    return fingerprint((name, code or number, street) for name, code, number, street in rows)


def test_every_table_gets_its_rows(generated):
    counts = generated.counts
    for model in (
        AdministrativeUnit,
        Organization,
        OrganizationChange,
        AnnualReport,
        CreditListing,
        Committee,
        Campaign,
        CampaignFramework,
        Case,
        OrganizationGrade,
        Certificate,
    ):
        assert counts[model] == model.objects.count(), model
        assert counts[model] > 0, model
    through = Organization.activity_fields.through
    assert counts[through] == through.objects.count() >= COUNT
    assert Organization.objects.count() == COUNT
    assert set(Organization.objects.values_list("kind", flat=True)) == set(OrganizationKind.values)
    levels = set(AdministrativeUnit.objects.values_list("level", flat=True))
    assert levels == set(UnitLevel.values)
    # Mostly active or filed, some abnormal (each on the abnormal list) and some ended.
    statuses = dict(Organization.objects.values_list("status").annotate(n=Count("pk")))
    assert statuses[OrganizationStatus.ACTIVE] + statuses[OrganizationStatus.FILED] > 0.8 * COUNT
    assert statuses[OrganizationStatus.ABNORMAL] == CreditListing.objects.count()
    assert statuses.get(OrganizationStatus.DEREGISTERED, 0) + statuses.get(OrganizationStatus.LAPSED, 0) > 0
    assert Certificate.objects.count() <= OrganizationGrade.objects.count() <= Case.objects.count()


def test_credit_codes_are_valid_unique_and_name_the_kind(generated):
    registered = list(Organization.objects.exclude(kind=OrganizationKind.COMMUNITY_GROUP).values_list("uscc", "kind"))
    assert registered
    codes = [code for code, _kind in registered]
    assert len(set(codes)) == len(codes)
    for code, kind in registered:
        assert uscc.is_valid(code), code
        assert code[0] == "5" and code[1] == USCC_KIND_CHARACTER[kind], code
    filed = list(
        Organization.objects.filter(kind=OrganizationKind.COMMUNITY_GROUP).values_list("filing_number", "uscc")
    )
    numbers = [number for number, _code in filed]
    assert len(set(numbers)) == len(numbers)
    for number, code in filed:
        assert code is None
        validate_filing_number(number)


def test_tree_is_sound_and_organizations_sit_in_it(generated):
    assert AdministrativeUnit.find_problems() == ([], [], [], [], [])
    for organization in Organization.objects.select_related("street", "community", "registration_authority"):
        assert organization.community.path.startswith(organization.street.path)
        if organization.registration_authority is not None:
            assert organization.street.path.startswith(organization.registration_authority.path)


def test_search_fields_are_those_the_service_computes(generated):
    for organization in Organization.objects.select_related("street", "community").order_by("?")[:20]:
        stored = (organization.name_pinyin, organization.search_document)
        refresh_search_fields(organization)
        assert (organization.name_pinyin, organization.search_document) == stored


def sample_by_kind():
    return [Organization.objects.filter(kind=kind).order_by("pk").last() for kind in OrganizationKind.values]


def found(query: str) -> set[int]:
    return set(search_directory(DirectoryFilters(q=query)).values_list("pk", flat=True))


def test_directory_finds_an_organization_by_a_chinese_word_and_by_its_initials(generated):
    for organization in sample_by_kind():
        word = max(rjieba.cut(organization.name), key=len)
        assert len(word) >= 2
        assert organization.pk in found(word), (organization.name, word)
        assert organization.pk in found(initials(organization.name)), organization.name


def test_the_public_page_of_a_generated_organization_renders(generated, client):
    ensure_site_pages()
    for organization in sample_by_kind():
        response = client.get(f"/directory/{organization.identifier}/")
        assert response.status_code == 200, organization.identifier
        assert organization.name in response.content.decode()


def test_certificates_verify_as_the_verification_page_checks_them(generated):
    codes = list(Certificate.objects.order_by("pk").values_list("code", flat=True)[:15])
    assert codes
    today = timezone.localdate()
    for code in codes:
        certificate = certificate_by_code(code)
        status = certificate_status(certificate, today)
        assert status.signature_ok and status.revocation_ok, certificate.number
        assert status.state in RECORDED_STATES
        assert certificate.organization_name == certificate.grade_record.organization.name


def test_the_same_seed_gives_the_same_data_in_another_process(generated):
    """The plan computed afresh in another process (another hash seed) matches what was stored."""
    settings = generated.settings
    assert settings == ScaleSettings(seed=SEED, organizations=COUNT, today=settings.today)
    script = (
        "import datetime, sys, django; django.setup()\n"
        "from portal.scale_data import ScalePlan, ScaleSettings\n"
        "from tests.portal.test_scale_data import fingerprint\n"
        "plan = ScalePlan(ScaleSettings(seed=int(sys.argv[1]), organizations=int(sys.argv[2]),"
        " today=datetime.date.fromisoformat(sys.argv[3])))\n"
        "print(fingerprint((p.name, p.uscc or p.filing_number, p.street_code) for p in plan.organizations()))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PYTHONHASHSEED": "4242"}
    completed = subprocess.run(
        [sys.executable, "-c", script, str(SEED), str(COUNT), settings.today.isoformat()],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert completed.stdout.strip() == stored_fingerprint()
    other = ScalePlan(ScaleSettings(seed=SEED + 1, organizations=COUNT, today=settings.today))
    rows = ((p.name, p.uscc or p.filing_number, p.street_code) for p in other.organizations())
    assert fingerprint(rows) != stored_fingerprint()


def test_a_database_with_organizations_is_refused(generated):
    before = Organization.objects.count()
    with pytest.raises(CommandError, match="数据库中已有社会组织"):
        call_command("generate_scale_data", "--organizations", "5", stdout=io.StringIO())
    assert Organization.objects.count() == before


def test_append_adds_a_separate_city_and_reports_its_counts(generated):
    out = io.StringIO()
    call_command("generate_scale_data", "--organizations", "30", "--seed", str(SEED), "--append", stdout=out)
    assert Organization.objects.count() == COUNT + 30
    cities = list(AdministrativeUnit.objects.filter(level=UnitLevel.CITY).order_by("path").values_list("code", "name"))
    assert len(cities) == len({name for _code, name in cities}) >= 2
    codes = list(Organization.objects.exclude(uscc=None).values_list("uscc", flat=True))
    assert len(set(codes)) == len(codes)
    assert AdministrativeUnit.find_problems() == ([], [], [], [], [])
    text = out.getvalue()
    assert "完成" in text and f"{Organization._meta.verbose_name_plural}：30" in text


def test_worker_processes_derive_exactly_what_the_service_derives_inline():
    """The command derives search fields in forked workers that remember the pinyin of words;
    that must change nothing."""
    plan = ScalePlan(ScaleSettings(seed=SEED, organizations=120, today=timezone.localdate()))
    units = {
        unit.code: AdministrativeUnit(pk=pk, code=unit.code, name=unit.name, level=unit.level, path=unit.path)
        for pk, unit in enumerate(plan.units(), 1)
    }
    rows = [derivation_row(organization, units) for organization in plan.organizations()]
    with multiprocessing.get_context("fork").Pool(2, initializer=_memoize_word_pinyin) as pool:
        pooled = [item for chunk in pool.map(derive_search_fields, [rows[:60], rows[60:]]) for item in chunk]
    assert pooled == derive_search_fields(rows)
