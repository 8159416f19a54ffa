"""python manage.py soak_load --base-url http://127.0.0.1:8124 --password ... [--seconds 60]
    [--fault none|terminate|restart] [--label "mixed load"]

One phase of `make soak` (scripts/soak.sh, docs/performance.md): load a running server from this
second process for `--seconds`, then check in the database what the load did, and print the figures.

Each organization account of `soak_setup` (`soak-org-<n>`) signs in through the site's form and,
until time is up, searches the directory, reads the API, files community-group filings through the
real step form (three documents uploaded, then submitted, with CSRF) and files its annual reports,
each one posted twice at the same moment as a double click does. Meanwhile officers (threads here,
through the same services as the back office, which asks officers for a one-time code) pre-review,
accept and approve the submitted filings, so filing numbers are given out under load.

`--fault` breaks the database a third of the way in: `restart` restarts the PostgreSQL cluster
(`pg_ctlcluster`); `terminate` (for shared servers) refuses new connections to the soak's database
and ends its sessions for FAULT_SECONDS, touching no other database. The figures then include the
errors during the outage and the seconds until the server answered every request again.

Afterwards, in the database: every filing and report that got a success exists exactly once, none
twice (a submission whose answer was lost may exist once or not at all), and the filing numbers of
the year run from 1 without a gap. Exits non-zero when an invariant fails. The last line is
`SOAK {json}` for scripts/soak.sh's table.
"""

import json
import random
import re
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import psycopg
import requests
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from federation.models import Federation, FederationStaff
from portal.site_structure import ensure_site_pages
from registry.enums import ApplicationAction, ApplicationKind, ApplicationState, Role, UnitLevel
from registry.models import AdministrativeUnit, AnnualReport, Application, NumberSequence, Organization, UnitRole
from registry.selectors.annual_reports import reporting_calendar
from registry.services.applications import act_on_application, allowed_actions
from registry.services.numbering import FILING_SERIES

from .soak_setup import ACCOUNT_PREFIX

FILING_PREFIX = "浸泡测试社区组织"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FILING_DOCUMENTS = ("charter", "member_list", "id_document")
OFFICER_ACTIONS = (ApplicationAction.PRE_REVIEW, ApplicationAction.ACCEPT, ApplicationAction.APPROVE)
OFFICER_ROLES = (Role.STREET_OFFICER, Role.DISTRICT_OFFICER)
FAULT_SECONDS = 5  # how long `terminate` keeps the database closed
RECOVERY_LIMIT = 15  # seconds after the database is back within which every request must succeed again
DRAIN_SECONDS = 60  # after the load, for the officers to decide what is still submitted
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEARCH_WORDS = ["协会", "社区", "服务", "志愿", "老年", "文化", "体育", "青年", "商会", "中心"]


@dataclass
class Figures:
    """What the load saw, counted from every thread (under `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: int = 0
    connection_errors: int = 0
    failures: list[float] = field(default_factory=list)  # when each 5xx or connection error came
    filings: list[str] = field(default_factory=list)  # names of filings submitted with success
    filings_uncertain: list[str] = field(default_factory=list)  # submitted, answer lost
    reports: list[tuple[int, int]] = field(default_factory=list)  # (organization pk, year) filed
    double_posts: int = 0
    double_successes: int = 0  # both posts of a double click answered "filed"
    approvals: int = 0
    officer_errors: int = 0

    def count(self, response, at: float) -> None:
        with self.lock:
            self.requests += 1
            if response is None:
                self.connection_errors += 1
                self.failures.append(at)
                return
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors += 1
                self.failures.append(at)


class Visitor:
    """One signed-in organization account on the site. The production settings mark cookies
    Secure and the server sits behind a TLS proxy, so requests say they came through it
    (X-Forwarded-Proto, a same-site Referer for CSRF) and the session keeps its cookies on plain HTTP."""

    def __init__(self, base_url: str, figures: Figures):
        self.base_url = base_url.rstrip("/")
        self.figures = figures
        self.session = requests.Session()
        self.session.headers.update({"X-Forwarded-Proto": "https", "Referer": self.https_url("/")})
        self.token = ""
        self.signed_in = False

    def https_url(self, path: str) -> str:
        return "https://" + self.base_url.split("://", 1)[1] + path

    def request(self, method: str, path: str, **kwargs):
        try:
            response = self.session.request(method, self.base_url + path, allow_redirects=False, timeout=60, **kwargs)
        except requests.RequestException:
            response = None
        self.figures.count(response, time.monotonic())
        for cookie in self.session.cookies:
            cookie.secure = False
        if response is not None and response.status_code == 200:
            match = CSRF.search(response.text)
            self.token = match.group(1) if match else self.token
        return response

    def post(self, path: str, data: dict, **kwargs):
        return self.request("POST", path, data={**data, "csrfmiddlewaretoken": self.token}, **kwargs)

    def sign_in(self, username: str, password: str) -> None:
        self.request("GET", "/account/login/")
        response = self.post("/account/login/", {"username": username, "password": password})
        self.signed_in = response is not None and response.status_code == 302


def location(response) -> str:
    return response.headers.get("Location", "") if response is not None else ""


class Command(BaseCommand):
    help = "浸泡测试的一个阶段：并发负载（可选数据库故障），之后在数据库中核对。"

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--fault", choices=["none", "terminate", "restart"], default="none")
        parser.add_argument("--label", default="mixed load")
        parser.add_argument("--pg-cluster", default="15 main", help="pg_ctlcluster 的版本与集群名")

    def handle(self, *args, base_url, password, seconds, fault, label, pg_cluster, **options):
        if connection.vendor != "postgresql":
            raise CommandError("the soak runs on PostgreSQL (DATABASE_URL)")
        self.figures = Figures()
        self.base_url, self.password = base_url, password
        self.directory = ensure_site_pages()["directory"].url
        # Filings where someone can decide them: a street with a federation needs its staff first.
        without_staff = Federation.objects.exclude(pk__in=FederationStaff.objects.values("federation"))
        self.places = [
            (community.get_parent().pk, community.pk)
            for community in AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNITY)
            if not without_staff.filter(street__path=community.path[: -AdministrativeUnit.steplen]).exists()
        ]
        self.identifiers = [org.identifier for org in Organization.objects.order_by("?")[:50]]
        accounts = list(
            Organization.objects.filter(accounts__user__username__startswith=ACCOUNT_PREFIX).values_list(
                "accounts__user__username", "pk"
            )
        )
        if not accounts:
            raise CommandError("no soak accounts: run soak_setup first")
        today = timezone.localdate()
        self.due = {
            pk: [
                entry.year
                for entry in reporting_calendar(Organization.objects.get(pk=pk), today=today)
                if entry.report is None and entry.year < today.year
            ]
            for _username, pk in accounts
        }
        connection.close()  # each thread opens its own

        # Signed in first (a password hash each, slow by design), so that the load runs its full time.
        visitors = [Visitor(base_url, self.figures) for _account in accounts]
        signing_in = [
            threading.Thread(target=visitor.sign_in, args=(username, password))
            for visitor, (username, _pk) in zip(visitors, accounts, strict=True)
        ]
        for thread in signing_in:
            thread.start()
        for thread in signing_in:
            thread.join()
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self.load_over = threading.Event()
        threads = [
            threading.Thread(target=self.visit, args=(visitor, *account))
            for visitor, account in zip(visitors, accounts, strict=True)
        ]
        threads += [threading.Thread(target=self.officer, args=(n,)) for n in range(2)]
        outage = {}
        if fault != "none":
            threads.append(threading.Thread(target=self.break_database, args=(fault, pg_cluster, outage)))
        for thread in threads:
            thread.start()
        for thread in threads[: len(accounts)]:
            thread.join()
        self.load_over.set()
        for thread in threads[len(accounts) :]:
            thread.join()
        close_old_connections()
        self.report(label, fault, outage, today)

    # --- The load -------------------------------------------------------------------------------

    def visit(self, visitor: "Visitor", username: str, organization_pk: int) -> None:
        rng = random.Random(username)
        years = list(self.due[organization_pk])
        while time.monotonic() < self.deadline:
            if not visitor.signed_in:  # the database may have been down at sign-in
                time.sleep(0.5)
                visitor.sign_in(username, self.password)
                continue
            roll = rng.random()
            if years and roll < 0.1:
                self.file_report(visitor, organization_pk, years.pop())
            elif roll < 0.35:
                self.file_filing(visitor, rng)
            elif roll < 0.7:
                visitor.request("GET", self.directory, params={"q": rng.choice(SEARCH_WORDS)})
            elif roll < 0.85:
                visitor.request("GET", "/api/v1/organizations", params={"q": rng.choice(SEARCH_WORDS)})
            elif roll < 0.95 and self.identifiers:
                visitor.request("GET", f"/api/v1/organizations/{rng.choice(self.identifiers)}")
            else:
                visitor.request("GET", "/api/v1/statistics")

    def file_filing(self, visitor: Visitor, rng: random.Random) -> None:
        """The filing's step form, its three documents, then the submission; given up at the
        first unexpected answer (a draft left behind is never counted as submitted)."""
        name = f"{FILING_PREFIX}{uuid.uuid4().hex[:12]}"
        street, community = rng.choice(self.places)
        visitor.request("GET", "/account/applications/new/filing/")
        response = visitor.post(
            "/account/applications/new/filing/",
            {
                "name": name,
                "street": street,
                "community": community,
                "address": "浸泡测试路1号",
                "legal_representative": "张三",
                "next": "1",
            },
        )
        match = re.search(r"/account/applications/(\d+)/$", location(response))
        if not match:
            return
        page = f"/account/applications/{match.group(1)}/"
        for kind in FILING_DOCUMENTS:
            response = visitor.post(page + "materials/", {"kind": kind}, files={"file": (f"{kind}.pdf", PDF)})
            if response is None or response.status_code != 302:
                return
        response = visitor.post(page + "act/", {"action": ApplicationAction.SUBMIT})
        if response is None or response.status_code >= 500:
            with self.figures.lock:
                self.figures.filings_uncertain.append(name)
            return
        response = visitor.request("GET", page)
        if response is not None and response.status_code == 200 and "已提交。" in response.text:
            with self.figures.lock:
                self.figures.filings.append(name)
        elif response is None or response.status_code >= 500:
            with self.figures.lock:
                self.figures.filings_uncertain.append(name)

    def file_report(self, visitor: Visitor, organization_pk: int, year: int) -> None:
        """The year's report posted twice at once from the same session (a double click)."""
        data = {
            "income": "12000",
            "expenditure": "9000.50",
            "net_assets": "3000",
            "staff": "3",
            "volunteers": "12",
            "activities": "浸泡测试：开展社区活动。",
            "reportable_events": "",
        }
        path = f"/account/annual-reports/{year}/"
        visitor.request("GET", path)
        answers = [None, None]

        def post(n: int) -> None:
            answers[n] = visitor.post(path, data)

        posts = [threading.Thread(target=post, args=(n,)) for n in range(2)]
        for thread in posts:
            thread.start()
        for thread in posts:
            thread.join()
        filed = [answer for answer in answers if answer is not None and location(answer).endswith(path)]
        with self.figures.lock:
            self.figures.double_posts += 1
            self.figures.double_successes += len(filed) == 2
            if filed:
                self.figures.reports.append((organization_pk, year))

    # --- The officers -----------------------------------------------------------------------------

    def officer(self, number: int) -> None:
        """Decide submitted soak filings until the load is over and none is left (or DRAIN_SECONDS
        more have passed). Two of these race for the same applications, as two officers would."""
        rng = random.Random(number)
        staff = None
        drain_until = None
        while True:
            if self.load_over.is_set():
                drain_until = drain_until or time.monotonic() + DRAIN_SECONDS
                if time.monotonic() > drain_until:
                    return
            try:
                staff = staff or officers()
                pending = list(
                    Application.objects.filter(
                        kind=ApplicationKind.FILING,
                        proposed__name__startswith=FILING_PREFIX,
                        state__in=[
                            ApplicationState.SUBMITTED,
                            ApplicationState.PRE_REVIEWED,
                            ApplicationState.ACCEPTED,
                        ],
                    )
                    .select_related("street")
                    .order_by("?")[:10]
                )
                decided = [self.decide(application, staff, rng) for application in pending]
                if not any(decided):
                    if self.load_over.is_set():
                        return
                    time.sleep(0.2)
            except DatabaseError:
                with self.figures.lock:
                    self.figures.officer_errors += 1
                connection.close()
                time.sleep(0.5)

    def decide(self, application: Application, staff: list, rng: random.Random) -> bool:
        """Take the application's next step as any officer who may; did anyone?"""
        for user in rng.sample(staff, len(staff)):
            actions = [action for action in OFFICER_ACTIONS if action in allowed_actions(user, application)]
            if not actions:
                continue
            try:
                act_on_application(application=application, action=actions[0], actor=user, reason="浸泡测试")
            except (ValidationError, PermissionDenied):
                return True  # the other officer was first
            if actions[0] == ApplicationAction.APPROVE:
                with self.figures.lock:
                    self.figures.approvals += 1
            return True
        return False

    # --- The fault --------------------------------------------------------------------------------

    def break_database(self, fault: str, pg_cluster: str, outage: dict) -> None:
        time.sleep(max(0.0, (self.deadline - self.started) / 3))
        settings_dict = connection.settings_dict
        admin = psycopg.connect(
            host=settings_dict["HOST"] or None,
            port=settings_dict["PORT"] or None,
            user=settings_dict["USER"] or None,
            password=settings_dict["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        )
        name = settings_dict["NAME"]
        outage["down"] = time.monotonic()
        try:
            if fault == "restart":
                admin.close()
                subprocess.run(["pg_ctlcluster", *pg_cluster.split(), "restart"], check=True)
            else:
                with admin:
                    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                    try:
                        admin.execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = %s AND pid <> pg_backend_pid()",
                            [name],
                        )
                        time.sleep(FAULT_SECONDS)
                    finally:
                        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        finally:
            outage["up"] = time.monotonic()

    # --- The check --------------------------------------------------------------------------------

    def report(self, label: str, fault: str, outage: dict, today) -> None:
        f = self.figures
        made = Counter(
            Application.objects.filter(
                kind=ApplicationKind.FILING, proposed__name__in=f.filings, submitted_at__isnull=False
            ).values_list("proposed__name", flat=True)
        )
        lost = [name for name in f.filings if made[name] == 0]
        every = Counter(
            Application.objects.filter(
                kind=ApplicationKind.FILING, proposed__name__startswith=FILING_PREFIX
            ).values_list("proposed__name", flat=True)
        )
        duplicated = [name for name, times in every.items() if times > 1]
        reports = Counter(
            (pk, year)
            for pk, year in AnnualReport.objects.filter(organization__in={pk for pk, _year in f.reports}).values_list(
                "organization", "year"
            )
        )
        reports_lost = [key for key in f.reports if reports[key] != 1]
        gapless, numbered = filing_numbers_gapless(today.year)
        figures = {
            "phase": label,
            "fault": fault,
            "requests": f.requests,
            "server_errors": f.server_errors,
            "connection_errors": f.connection_errors,
            "submissions_made": len(f.filings) + len(f.reports),
            "submissions_found": sum(1 for name in f.filings if made[name] == 1)
            + sum(1 for key in f.reports if reports[key] == 1),
            "submissions_uncertain": len(f.filings_uncertain),
            "lost": len(lost) + len(reports_lost),
            "duplicated": len(duplicated) + f.double_successes,
            "double_posts": f.double_posts,
            "filings_approved": f.approvals,
            "filing_numbers": numbered,
            "filing_numbers_gapless": gapless,
            "officer_database_errors": f.officer_errors,
        }
        problems = []
        if figures["lost"] or figures["duplicated"]:
            problems.append(f"lost {lost + reports_lost}, duplicated {duplicated}")
        if not gapless:
            problems.append("filing numbers have gaps or repeats")
        if fault == "none" and (f.server_errors or f.connection_errors):
            problems.append(f"{f.server_errors} server errors and {f.connection_errors} connection errors")
        if fault != "none":
            late = [at for at in f.failures if at > outage["up"]]
            figures["outage_seconds"] = round(outage["up"] - outage["down"], 1)
            figures["errors_during_outage"] = len(f.failures)
            figures["recovery_seconds"] = round(max(late) - outage["up"], 1) if late else 0.0
            unexplained = [at for at in f.failures if at < outage["down"]]
            if unexplained or figures["recovery_seconds"] > RECOVERY_LIMIT:
                problems.append(
                    f"{len(unexplained)} errors before the fault; recovery took {figures['recovery_seconds']} s"
                )
        self.stdout.write(f"{label}: {f.requests} requests, answers {dict(sorted(f.statuses.items()))}")
        for key, value in figures.items():
            self.stdout.write(f"  {key}: {value}")
        self.stdout.write("SOAK " + json.dumps({**figures, "ok": not problems}, ensure_ascii=False))
        if problems:
            raise CommandError("; ".join(problems))


def officers() -> list:
    """The people who pre-review or decide filings: street and district officers, federation staff."""
    users = {held.user for held in UnitRole.objects.filter(role__in=OFFICER_ROLES).select_related("user")}
    return list(users | {staff.user for staff in FederationStaff.objects.select_related("user")})


def filing_numbers_gapless(year: int) -> tuple[bool, int]:
    """Do the year's filing numbers run 1..n, each once, with n the sequence's last number?"""
    numbers = [
        int(match.group(1))
        for value in Organization.objects.filter(filing_number__contains=f"〔{year}〕").values_list(
            "filing_number", flat=True
        )
        if (match := re.search(r"第(\d+)号", value))
    ]
    sequence = NumberSequence.objects.filter(series=FILING_SERIES, year=year).first()
    last = sequence.last_number if sequence else 0
    return sorted(numbers) == list(range(1, last + 1)), len(numbers)
