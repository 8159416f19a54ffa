"""The permission matrix: every URL pattern of the site, the admin and the API, against every role
of DESIGN.md section 5 and an anonymous visitor, as one table (`MATRIX`).

How to read a row. The outcome string has one letter per role, in the order of `COLUMNS`:

    anonymous  admin (superuser)  city  district  street  community  federation  agency  assessor
    committee  organization account

- ``A`` (allowed): a 2xx answer, or a redirect somewhere other than a login page or a refusal;
- ``L`` (login): an anonymous visitor sent to a login page (a 401 too);
- ``D`` (denied): 403 or 404; a signed-in user sent to a login page (Wagtail does this to users
  without admin access, with "You do not have permission to access the admin"); or a redirect to
  the admin dashboard carrying an error message (Wagtail's `permission_denied`);

A row with ``post_only=True`` is an address that answers GET with 405: its letters say who may
POST there. A GET must then give 405 to the allowed roles, and 405 or the refusal to the others;
`test_refused_post_changes_nothing` POSTs as every refused role. It does so for every row marked
``writes=True`` too (forms, actions, Wagtail's namespaces): the POST must be refused and must
write nothing to the database but a session.
A 5xx answer is never expected: it fails whatever the row says.

A row whose URL takes objects is a dict from *variant* to outcome string: ``own`` fills the URL
with the demo roles' own objects (their street, community, organization), ``other`` with another
street's, organization's or assessor's, ``assigned`` with the demo assessor's case or score sheet
(tests/security/world.py says exactly which object each is). A plain string holds for all variants.

How arguments are filled: ``pk="application"`` takes the world's application of each variant,
``code="certificate.code"`` an attribute of it, ``given("2025")`` a fixed value; arguments a row
leaves out are filled by name from `BY_NAME` (Wagtail's own views). A regular-expression pattern
gives its whole path with ``path=``.

A row matches patterns by its key: the pattern's namespace:name, or its route if it has none; a
key may be a glob (``wagtailimages:*``), and a more specific key wins over a glob. Every pattern
must match a row and every row a pattern.
"""

import fnmatch
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.security.url_walk import (
    ALLOW,
    DENY,
    LOGIN,
    METHOD,
    Pattern,
    all_patterns,
    argument_names,
    fill,
    outcome_of,
)
from tests.security.world import ANONYMOUS, ROLES, add_what_the_demo_lacks, build_world, users

COLUMNS = ROLES
LETTERS = {"A": ALLOW, "L": LOGIN, "D": DENY}
REFUSALS = {LOGIN, DENY}


@dataclass(frozen=True)
class Given:
    """A fixed value for a URL argument."""

    value: str


def given(value: str) -> Given:
    return Given(value)


@dataclass(frozen=True)
class Row:
    outcomes: str | dict[str, str]
    args: dict = field(default_factory=dict)
    path: str | None = None  # for regular-expression patterns
    writes: bool = False  # changes state on POST: refused roles POST too
    post_only: bool = False  # answers GET with 405; the letters are about POST


def row(outcomes, *, path=None, writes=False, post_only=False, **args) -> Row:
    return Row(outcomes, args, path, writes or post_only, post_only)


# No object of these kinds exists in the world: an id that names nothing, so the row checks
# only that no role gets a page or a 500 (see the report of issue 9 for what is missing).
NOTHING = given("999999")

# Arguments of Wagtail's own views, by name.
BY_NAME = {
    **dict.fromkeys(("page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_pk"), "page"),
    **dict.fromkeys(("document_id", "doc_id"), "document"),
    **dict.fromkeys(("image_id", "redirect_id"), NOTHING),
    "revision_id": "revision",
    "collection_id": "collection",
    "workflow_pk": "workflow",
    "task_id": "task",
    **dict.fromkeys(
        (
            "pk",
            "task_state_id",
            "workflow_state_id",
            "uploaded_file_id",
            "session_id",
            "restriction_id",
            "page_view_restriction_id",
            "object_id",
        ),
        NOTHING,
    ),
    **dict.fromkeys(("content_type_app_name", "app_label", "app_name"), given("portal")),
    **dict.fromkeys(("content_type_model_name", "model_name"), given("newsarticlepage")),
    "action": given("delete"),
    "action_name": given("approve"),
    "filter_spec": given("original"),
    "uidb64": given("MQ"),
    "token": given("bad-token"),
}

# fmt: off
MATRIX = {
    # key: row("anon admin city district street community federation agency assessor committee org")
    "two_factor_setup": row("L A A A A A A A A A A", writes=True),
    "two_factor_verify": row("L A A A A A A A A A A", writes=True),
    "wagtailadmin_home": row("L A A A A A A A A A D"),
    "admin/test404/": row("L A A A A A A A A A D"),
    # Wagtail's deliberate error page answers 500 to any admin user: the portal's own
    # admin/failwhale/ comes first and names nothing.
    "admin/failwhale/": row("D D D D D D D D D D D"),
    "wagtailadmin_error_test": row("D D D D D D D D D D D"),
    # The audit log: officers, each in their area (registry.selectors.audit_log).
    "audit:index": row("L A A A A A D D D D D"),
    "audit:index_results": row("L A A A A A D D D D D"),
    "audit:inspect": row({"own": "L A A A A D D D D D D", "other": "L A A A D D D D D D D"}, pk="audit_entry"),
    "wagtailadmin_explore_root": row("L A D D D D D D D D D"),
    "wagtailadmin_explore": row("L A D D D D D D D D D"),
    "wagtailadmin_explore_results": row("L A D D D D D D D D D"),
    "wagtail_bulk_action": row("L D D D D D D D D D D"),
    "wagtailadmin_choose_page": row("L A A A A A A A A A D"),
    "wagtailadmin_choose_page_child": row("L A A A A A A A A A D"),
    "wagtailadmin_choose_page_search": row("L A A A A A A A A A D"),
    "wagtailadmin_choose_page_chosen_multiple": row("L A A A A A A A A A D"),
    "wagtailadmin_choose_page_external_link": row("L A A A A A A A A A D"),
    "wagtailadmin_choose_page_email_link": row("L A A A A A A A A A D"),
    "wagtailadmin_choose_page_phone_link": row("L A A A A A A A A A D"),
    "wagtailadmin_choose_page_anchor_link": row("L A A A A A A A A A D"),
    "wagtailadmin_tag_autocomplete": row("L A A A A A A A A A D"),
    "wagtailadmin_tag_model_autocomplete": row("L D D D D D D D D D D"),
    "wagtailadmin_account": row("L A A A A A A A A A D"),
    "wagtailadmin_logout": row("L A A A A A A A A A D", post_only=True),
    "wagtailadmin_dismissibles": row("L A A A A A A A A A D"),
    "wagtailadmin_block_preview": row("L D D D D D D D D D D", writes=True),
    "registry_import_organizations": row("L A A A A D D D D D D", writes=True),
    "registry_application_act": row(
        {"own": "L A A A A D A D D D D", "other": "L A D A D D D D D D D"}, post_only=True, pk="application"
    ),
    "evaluation_framework_import": row("L A A A D D D D D D D", writes=True),
    "evaluation_framework_copy": row("L A A A D D D D D D D", post_only=True, pk="framework"),
    "evaluation_framework_bands": row("L A A A D D D D D D D", writes=True, pk="framework"),
    "applications:index": row("L A A A A A A A A A D"),
    "applications:index_results": row("L A A A A A A A A A D"),
    "applications:add": row("L A D D D D D D D D D", writes=True),
    "applications:edit": row("L A D D D D D D D D D", writes=True, pk="application"),
    "applications:delete": row("L A D D D D D D D D D", writes=True, pk="application"),
    "applications:history": row("L A D D D D D D D D D", pk="application"),
    "applications:history_results": row("L A D D D D D D D D D", pk="application"),
    "applications:usage": row("L A D D D D D D D D D", pk="application"),
    "applications:inspect": row({"own": "L A D A A D A D D D D", "other": "L A D A D D D D D D D"}, pk="application"),
    "claims:index": row("L A A A A D D D D D D"),
    "claims:index_results": row("L A A A A D D D D D D"),
    "claims:add": row("L A D D D D D D D D D", writes=True),
    "claims:edit": row("L A D A D D D D D D D", writes=True, pk="claim"),
    "claims:delete": row("L A D D D D D D D D D", writes=True, pk="claim"),
    "claims:history": row("L A D A D D D D D D D", pk="claim"),
    "claims:history_results": row("L A D A D D D D D D D", pk="claim"),
    "claims:usage": row("L A D A D D D D D D D", pk="claim"),
    "claims:inspect": row("L A D A D D D D D D D", pk="claim"),
    "organizations:index": row("L A A A A A A A A A D"),
    "organizations:index_results": row("L A A A A A A A A A D"),
    "organizations:add": row("L A A A A D D D D D D", writes=True),
    "organizations:edit": row("L A D A D D D D D D D", writes=True, pk="organization"),
    "organizations:delete": row("L A D D D D D D D D D", writes=True, pk="organization"),
    "organizations:history": row({"other": "L A A A D D D D D D D", "own": "L A A A A D D D D D D"}, pk="organization"),
    "organizations:history_results": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L A A A A D D D D D D",
        },
        pk="organization",
    ),
    "organizations:usage": row({"other": "L A A A D D D D D D D", "own": "L A A A A D D D D D D"}, pk="organization"),
    # Agency managers see the organizations of their agency's cases; assessors only those of the
    # cases assigned to them while scoring is open (DESIGN.md section 5), not another assessor's.
    "organizations:inspect": row({"other": "L A A A D D D A D D D", "own": "L A A A A D A A A D D"}, pk="organization"),
    "annual_reports:index": row("L A A A A A A A A A D"),
    "annual_reports:index_results": row("L A A A A A A A A A D"),
    "annual_reports:add": row("L A D D D D D D D D D", writes=True),
    "annual_reports:edit": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L A A A A D D D D D D",
        },
        writes=True, pk="annual_report",
    ),
    "annual_reports:delete": row("L A D D D D D D D D D", writes=True, pk="annual_report"),
    "annual_reports:history": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L A A A A D D D D D D",
        },
        pk="annual_report",
    ),
    "annual_reports:history_results": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L A A A A D D D D D D",
        },
        pk="annual_report",
    ),
    "annual_reports:usage": row({"other": "L A A A D D D D D D D", "own": "L A A A A D D D D D D"}, pk="annual_report"),
    # Agency managers see the organizations of their agency's cases; assessors only those of the
    # cases assigned to them while scoring is open (DESIGN.md section 5), not another assessor's.
    "annual_reports:inspect": row(
        {
            "other": "L A A A D D D A D D D",
            "own": "L A A A A D A A A D D",
        },
        pk="annual_report",
    ),
    "annual_reports:import_results": row("L A A A A D D D D D D", writes=True),
    "annual_reports:results_template": row("L A A A A D D D D D D"),
    # Returning a report for correction: only officers who decide on the organization's reports
    # (the district's registered organizations: not the city officer, not the street's).
    "annual_reports:return": row(
        {
            "other": "L A D A D D D D D D D",
            "own": "L A D A D D D D D D D",
        },
        writes=True, pk="annual_report",
    ),
    "units:index": row("L A A A A A A A A A D"),
    "units:index_results": row("L A A A A A A A A A D"),
    "units:add": row("L A A A D D D D D D D", writes=True),
    "units:edit": row("L A A A D D D D D D D", writes=True, pk="unit"),
    "units:delete": row("L A D D D D D D D D D", writes=True, pk="unit"),
    "units:history": row("L A A A D D D D D D D", pk="unit"),
    "units:history_results": row("L A A A D D D D D D D", pk="unit"),
    "units:usage": row("L A A A D D D D D D D", pk="unit"),
    "units:inspect": row({"other": "L A A A D D D D D D D", "own": "L A A A A D A D D D D"}, pk="unit"),
    "unit_roles:index": row("L A A A D D D D D D D"),
    "unit_roles:index_results": row("L A A A D D D D D D D"),
    "unit_roles:add": row("L A A A D D D D D D D", writes=True),
    "unit_roles:edit": row(
        {
            "other": "L A A D D D D D D D D",
            "own": "L A A A D D D D D D D",
        },
        writes=True, pk="unit_role",
    ),
    "unit_roles:delete": row(
        {
            "other": "L A A D D D D D D D D",
            "own": "L A A A D D D D D D D",
        },
        writes=True, pk="unit_role",
    ),
    "unit_roles:history": row({"other": "L A A D D D D D D D D", "own": "L A A A D D D D D D D"}, pk="unit_role"),
    "unit_roles:history_results": row(
        {
            "other": "L A A D D D D D D D D",
            "own": "L A A A D D D D D D D",
        },
        pk="unit_role",
    ),
    "unit_roles:usage": row({"other": "L A A D D D D D D D D", "own": "L A A A D D D D D D D"}, pk="unit_role"),
    "unit_roles:inspect": row({"other": "L A A D D D D D D D D", "own": "L A A A D D D D D D D"}, pk="unit_role"),
    "supervision:index": row("L A A A A A D D D D D"),
    "supervision:index_results": row("L A A A A A D D D D D"),
    "supervision:add": row("L A A A A A D D D D D", writes=True),
    "supervision:edit": row("L A D A D D D D D D D", writes=True, pk="supervision"),
    "supervision:delete": row("L A D D D D D D D D D", writes=True, pk="supervision"),
    "supervision:history": row({"own": "L A A A A D D D D D D", "other": "L A A A D D D D D D D"}, pk="supervision"),
    "supervision:history_results": row(
        {
            "own": "L A A A A D D D D D D",
            "other": "L A A A D D D D D D D",
        },
        pk="supervision",
    ),
    "supervision:usage": row({"own": "L A A A A D D D D D D", "other": "L A A A D D D D D D D"}, pk="supervision"),
    "supervision:inspect": row({"own": "L A A A A D D D D D D", "other": "L A A A D D D D D D D"}, pk="supervision"),
    "credit_listings:index": row("L A A A A A A A A A D"),
    "credit_listings:index_results": row("L A A A A A A A A A D"),
    "credit_listings:add": row("L A A A D D D D D D D", writes=True),
    "credit_listings:edit": row("L A A A D D D D D D D", writes=True, pk="credit_listing"),
    "credit_listings:delete": row("L D D D D D D D D D D", writes=True, pk="credit_listing"),
    "credit_listings:history": row("L A A A D D D D D D D", pk="credit_listing"),
    "credit_listings:history_results": row("L A A A D D D D D D D", pk="credit_listing"),
    "credit_listings:usage": row("L A A A D D D D D D D", pk="credit_listing"),
    "credit_listings:inspect": row("L A A A D D D D D D D", pk="credit_listing"),
    # The daily review's proposals: read like listings, decided (POST to the page) by city and
    # district officers who manage the organization.
    "credit_proposals:index": row("L A A A A A A A A A D"),
    "credit_proposals:index_results": row("L A A A A A A A A A D"),
    "credit_proposals:inspect": row(
        {"own": "L A A A A D A A A D D", "other": "L A A A D D D D D D D"}, writes=True, pk="credit_proposal"
    ),
    "penalties:index": row("L A A A A A A A A A D"),
    "penalties:index_results": row("L A A A A A A A A A D"),
    "penalties:add": row("L A A A D D D D D D D", writes=True),
    "penalties:edit": row("L A A A D D D D D D D", writes=True, pk="penalty"),
    "penalties:delete": row("L D D D D D D D D D D", writes=True, pk="penalty"),
    "penalties:history": row("L A A A D D D D D D D", pk="penalty"),
    "penalties:history_results": row("L A A A D D D D D D D", pk="penalty"),
    "penalties:usage": row("L A A A D D D D D D D", pk="penalty"),
    # Agency managers see the organizations of their agency's cases; assessors only those of the
    # cases assigned to them while scoring is open (DESIGN.md section 5), not another assessor's.
    "penalties:inspect": row({"own": "L A A A A D A A A D D", "other": "L A A A D D D A D D D"}, pk="penalty"),
    "federation_hub:index": row("L A A A A A A A A A D"),
    "federation_hub:dashboard": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L A A A A D A D D D D",
        },
        pk="federation",
    ),
    "federation_hub:appoint": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L A A A A D A D D D D",
        },
        writes=True, pk="federation",
    ),
    "federation_hub:end_term": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L A A A A D A D D D D",
        },
        writes=True, pk="council_seat",
    ),
    "federation_hub:members": row({"other": "L A A A D D D D D D D", "own": "L A A A A D A D D D D"}, pk="federation"),
    "federation_hub:end_membership": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L A A A A D A D D D D",
        },
        writes=True, pk="membership",
    ),
    "federation_hub:file_report": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L A A A A D A D D D D",
        },
        writes=True, pk="federation",
    ),
    "federation_reports:index": row("L A A A A A A A A A D"),
    "federation_reports:report": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L A A A A D A D D D D",
        },
        writes=True, pk="federation_report",
    ),
    "federations:index": row("L A A A A A A A A A D"),
    "federations:index_results": row("L A A A A A A A A A D"),
    "federations:add": row("L A A A D D D D D D D", writes=True),
    "federations:edit": row("L A A A D D D D D D D", writes=True, pk="federation"),
    "federations:delete": row("L A D D D D D D D D D", writes=True, pk="federation"),
    "federations:history": row("L A A A D D D D D D D", pk="federation"),
    "federations:history_results": row("L A A A D D D D D D D", pk="federation"),
    "federations:usage": row("L A A A D D D D D D D", pk="federation"),
    "federations:inspect": row({"other": "L A A A D D D D D D D", "own": "L A A A A D A D D D D"}, pk="federation"),
    "support_centres:index": row("L A A A A D A D D D D"),
    "support_centres:index_results": row("L A A A A D A D D D D"),
    "support_centres:add": row("L A D A A D D D D D D", writes=True),
    "support_centres:edit": row(
        {
            "other": "L A D A D D D D D D D",
            "own": "L A D A A D D D D D D",
        },
        writes=True, pk="support_centre",
    ),
    "support_centres:delete": row("L A D D D D D D D D D", writes=True, pk="support_centre"),
    "support_centres:history": row(
        {
            "other": "L A D A D D D D D D D",
            "own": "L A D A A D D D D D D",
        },
        pk="support_centre",
    ),
    "support_centres:history_results": row(
        {
            "other": "L A D A D D D D D D D",
            "own": "L A D A A D D D D D D",
        },
        pk="support_centre",
    ),
    "support_centres:usage": row(
        {
            "other": "L A D A D D D D D D D",
            "own": "L A D A A D D D D D D",
        },
        pk="support_centre",
    ),
    "support_centres:inspect": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L A A A A D A D D D D",
        },
        pk="support_centre",
    ),
    "incubations:index": row("L A A A A D A D D D D"),
    "incubations:index_results": row("L A A A A D A D D D D"),
    "incubations:add": row("L A D D A D A D D D D", writes=True),
    "incubations:edit": row(
        {
            "other": "L A D D D D D D D D D",
            "own": "L A D D A D A D D D D",
        },
        writes=True, pk="incubation",
    ),
    "incubations:delete": row("L A D D D D D D D D D", writes=True, pk="incubation"),
    "incubations:history": row({"other": "L A D D D D D D D D D", "own": "L A D D A D A D D D D"}, pk="incubation"),
    "incubations:history_results": row(
        {
            "other": "L A D D D D D D D D D",
            "own": "L A D D A D A D D D D",
        },
        pk="incubation",
    ),
    "incubations:usage": row({"other": "L A D D D D D D D D D", "own": "L A D D A D A D D D D"}, pk="incubation"),
    "incubations:inspect": row({"other": "L A A A D D D D D D D", "own": "L A A A A D A D D D D"}, pk="incubation"),
    "venture_calls:index": row("L A A A D D D D D D D"),
    "venture_calls:add": row("L A A A D D D D D D D", writes=True),
    "venture_calls:call": row("L A A A D D D D D D D", pk="venture_call"),
    "venture_calls:edit": row("L A A A D D D D D D D", writes=True, pk="venture_call"),
    "venture_projects:index": row("L A A A D D A D D D D"),
    "venture_projects:project": row(
        {
            "other": "L A A A D D D D D D D",
            "own": "L D D D D D D D D D D",
        },
        pk="venture_project",
    ),
    "evaluation_campaigns:index": row("L A A A A A A A A A D"),
    "evaluation_campaigns:index_results": row("L A A A A A A A A A D"),
    "evaluation_campaigns:add": row("L A A A D D D D D D D", writes=True),
    "evaluation_campaigns:edit": row("L A A A D D D D D D D", writes=True, pk="campaign"),
    "evaluation_campaigns:delete": row("L A A A D D D D D D D", writes=True, pk="campaign"),
    "evaluation_campaigns:history": row("L A A A D D D D D D D", pk="campaign"),
    "evaluation_campaigns:history_results": row("L A A A D D D D D D D", pk="campaign"),
    "evaluation_campaigns:usage": row("L A A A D D D D D D D", pk="campaign"),
    "evaluation_campaigns:inspect": row("L A A A A A A A A A D", pk="campaign"),
    "evaluation_frameworks:index": row("L A A A A A A A A A D"),
    "evaluation_frameworks:index_results": row("L A A A A A A A A A D"),
    "evaluation_frameworks:add": row("L A A A D D D D D D D", writes=True),
    "evaluation_frameworks:edit": row("L A A A D D D D D D D", writes=True, pk="framework"),
    "evaluation_frameworks:delete": row("L A A A D D D D D D D", writes=True, pk="framework"),
    "evaluation_frameworks:history": row("L A A A D D D D D D D", pk="framework"),
    "evaluation_frameworks:history_results": row("L A A A D D D D D D D", pk="framework"),
    "evaluation_frameworks:usage": row("L A A A D D D D D D D", pk="framework"),
    "evaluation_frameworks:inspect": row("L A A A A A A A A A D", pk="framework"),
    "evaluation_indicators:index": row("L A A A A A A A A A D"),
    "evaluation_indicators:index_results": row("L A A A A A A A A A D"),
    "evaluation_indicators:add": row("L A A A D D D D D D D", writes=True),
    "evaluation_indicators:edit": row("L A A A D D D D D D D", writes=True, pk="indicator"),
    "evaluation_indicators:delete": row("L A A A D D D D D D D", writes=True, pk="indicator"),
    "evaluation_indicators:history": row("L A A A D D D D D D D", pk="indicator"),
    "evaluation_indicators:history_results": row("L A A A D D D D D D D", pk="indicator"),
    "evaluation_indicators:usage": row("L A A A D D D D D D D", pk="indicator"),
    "evaluation_indicators:inspect": row("L A A A A A A A A A D", pk="indicator"),
    "evaluation_agencies:index": row("L A A A D D D A A D D"),
    "evaluation_agencies:index_results": row("L A A A D D D A A D D"),
    "evaluation_agencies:add": row("L A A A D D D D D D D", writes=True),
    "evaluation_agencies:edit": row("L A A A D D D D D D D", writes=True, pk="agency"),
    "evaluation_agencies:delete": row("L A A A D D D D D D D", writes=True, pk="agency"),
    "evaluation_agencies:history": row("L A A A D D D D D D D", pk="agency"),
    "evaluation_agencies:history_results": row("L A A A D D D D D D D", pk="agency"),
    "evaluation_agencies:usage": row("L A A A D D D D D D D", pk="agency"),
    "evaluation_agencies:inspect": row("L A A A D D D A A D D", pk="agency"),
    "evaluation_agency_members:index": row("L A A A D D D A A D D"),
    "evaluation_agency_members:index_results": row("L A A A D D D A A D D"),
    "evaluation_agency_members:add": row("L A A A D D D D D D D", writes=True),
    "evaluation_agency_members:edit": row("L A A A D D D D D D D", writes=True, pk="agency_member"),
    "evaluation_agency_members:delete": row("L A A A D D D D D D D", writes=True, pk="agency_member"),
    "evaluation_agency_members:history": row("L A A A D D D D D D D", pk="agency_member"),
    "evaluation_agency_members:history_results": row("L A A A D D D D D D D", pk="agency_member"),
    "evaluation_agency_members:usage": row("L A A A D D D D D D D", pk="agency_member"),
    "evaluation_agency_members:inspect": row(
        {
            "other": "L A A A D D D A D D D",
            "own": "L A A A D D D A A D D",
        },
        pk="agency_member",
    ),
    "evaluation_committees:index": row("L A A A D D D D D A D"),
    "evaluation_committees:index_results": row("L A A A D D D D D A D"),
    "evaluation_committees:add": row("L A A A D D D D D D D", writes=True),
    "evaluation_committees:edit": row("L A A A D D D D D D D", writes=True, pk="committee"),
    "evaluation_committees:delete": row("L A A A D D D D D D D", writes=True, pk="committee"),
    "evaluation_committees:history": row("L A A A D D D D D D D", pk="committee"),
    "evaluation_committees:history_results": row("L A A A D D D D D D D", pk="committee"),
    "evaluation_committees:usage": row("L A A A D D D D D D D", pk="committee"),
    "evaluation_committees:inspect": row("L A A A D D D D D A D", pk="committee"),
    "evaluation_committee_members:index": row("L A A A D D D D D A D"),
    "evaluation_committee_members:index_results": row("L A A A D D D D D A D"),
    "evaluation_committee_members:add": row("L A A A D D D D D D D", writes=True),
    "evaluation_committee_members:edit": row("L D D D D D D D D D D", writes=True, pk="committee_member"),
    "evaluation_committee_members:delete": row("L A A A D D D D D D D", writes=True, pk="committee_member"),
    "evaluation_committee_members:history": row("L A A A D D D D D D D", pk="committee_member"),
    "evaluation_committee_members:history_results": row("L A A A D D D D D D D", pk="committee_member"),
    "evaluation_committee_members:usage": row("L D D D D D D D D D D", pk="committee_member"),
    "evaluation_committee_members:inspect": row("L A A A D D D D D A D", pk="committee_member"),
    "evaluation_cases:index": row("L A A A D D D A A A D"),
    "evaluation_cases:index_results": row("L A A A D D D A A A D"),
    "evaluation_cases:add": row("L D D D D D D D D D D", writes=True),
    "evaluation_cases:edit": row("L D D D D D D D D D D", writes=True, pk="case"),
    "evaluation_cases:delete": row("L D D D D D D D D D D", writes=True, pk="case"),
    "evaluation_cases:history": row("L D D D D D D D D D D", pk="case"),
    "evaluation_cases:history_results": row("L D D D D D D D D D D", pk="case"),
    "evaluation_cases:usage": row("L D D D D D D D D D D", pk="case"),
    "evaluation_cases:inspect": row(
        {
            "assigned": "L A A A D D D A A A D",
            "other": "L A A A D D D A D A D",
            "own": "L A A A D D D A D A D",
        },
        pk="case",
    ),
    "evaluation_agency_cases:index": row("L A A A A A A A A A D"),
    "evaluation_agency_cases:assign": row("L D D D D D D A D D D", writes=True, pk="case"),
    "evaluation_assessments:index": row("L A A A A A A A A A D"),
    "evaluation_assessments:sheet": row(
        {
            "assigned": "L D D D D D D D A D D",
            "other": "L D D D D D D D D D D",
        },
        writes=True, pk="assignment",
    ),
    "evaluation_assessments:complete": row(
        {
            "assigned": "L A D D D D D D A D D",
            "other": "L A D D D D D D D D D",
        },
        post_only=True, pk="assignment",
    ),
    "evaluation_assessments:reopen": row(
        {
            "assigned": "L A D D D D D D A D D",
            "other": "L A D D D D D D D D D",
        },
        post_only=True, pk="assignment",
    ),
    "evaluation_assessments:conflicts": row("L A A A A A A A A A D", writes=True),
    "evaluation_moderation:index": row("L A A A A A A A A A D"),
    "evaluation_moderation:totals": row("L A A A D D D D D D D", post_only=True, pk="campaign"),
    "evaluation_moderation:case": row("L D D D D D D D D D D", pk="case"),
    "evaluation_moderation:finish": row("L A A A D D D D D D D", post_only=True, pk="case"),
    "evaluation_meetings:index": row("L A A A A A A A A A D"),
    "evaluation_meetings:add": row("L A A A D D D D D A D", writes=True, campaign_pk="campaign"),
    "evaluation_meetings:meeting": row("L A A A D D D D D A D", writes=True, pk="meeting"),
    "evaluation_meetings:decide": row("L A A A D D D D D A D", writes=True, pk="meeting", case_pk="case"),
    "evaluation_notices:index": row("L A A A A A A A A A D"),
    "evaluation_notices:publish": row("L A A A D D D D D D D", writes=True, campaign_pk="campaign"),
    "evaluation_notices:finalize": row("L A A A D D D D D D D", post_only=True, campaign_pk="campaign"),
    "evaluation_appeals:index": row("L A A A A A A A A A D"),
    "evaluation_appeals:appeal": row("L A A A D D D D D A D", writes=True, pk="appeal"),
    "evaluation_appeals:decide": row("L A A A D D D D D A D", writes=True, pk="appeal", meeting_pk="meeting"),
    "evaluation_grades:index": row("L A A A D D D D D D D"),
    "evaluation_grades:index_results": row("L A A A D D D D D D D"),
    "evaluation_grades:add": row("L D D D D D D D D D D", writes=True),
    "evaluation_grades:edit": row("L D D D D D D D D D D", writes=True, pk="grade"),
    "evaluation_grades:delete": row("L D D D D D D D D D D", writes=True, pk="grade"),
    "evaluation_grades:history": row("L D D D D D D D D D D", pk="grade"),
    "evaluation_grades:history_results": row("L D D D D D D D D D D", pk="grade"),
    "evaluation_grades:usage": row("L D D D D D D D D D D", pk="grade"),
    "evaluation_grades:inspect": row("L A A A D D D D D D D", pk="grade"),
    "evaluation_review_flags:index": row("L A A A D D D D D D D"),
    "evaluation_review_flags:index_results": row("L A A A D D D D D D D"),
    "evaluation_review_flags:add": row("L D D D D D D D D D D", writes=True),
    "evaluation_review_flags:edit": row("L D D D D D D D D D D", writes=True, pk=NOTHING),
    "evaluation_review_flags:delete": row("L D D D D D D D D D D", writes=True, pk=NOTHING),
    "evaluation_review_flags:history": row("L D D D D D D D D D D", pk=NOTHING),
    "evaluation_review_flags:history_results": row("L D D D D D D D D D D", pk=NOTHING),
    "evaluation_review_flags:usage": row("L D D D D D D D D D D", pk=NOTHING),
    "evaluation_review_flags:inspect": row("L D D D D D D D D D D", pk=NOTHING),
    "evaluation_grade_returns:index": row("L A A A D D D D D D D"),
    "evaluation_grade_returns:index_results": row("L A A A D D D D D D D"),
    "evaluation_grade_returns:add": row("L D D D D D D D D D D", writes=True),
    "evaluation_grade_returns:edit": row("L D D D D D D D D D D", writes=True, pk=NOTHING),
    "evaluation_grade_returns:delete": row("L D D D D D D D D D D", writes=True, pk=NOTHING),
    "evaluation_grade_returns:history": row("L D D D D D D D D D D", pk=NOTHING),
    "evaluation_grade_returns:history_results": row("L D D D D D D D D D D", pk=NOTHING),
    "evaluation_grade_returns:usage": row("L D D D D D D D D D D", pk=NOTHING),
    "evaluation_grade_returns:inspect": row("L D D D D D D D D D D", pk=NOTHING),
    "evaluation_certificates:index": row("L A A A D D D D D D D"),
    "evaluation_certificates:index_results": row("L A A A D D D D D D D"),
    "evaluation_certificates:add": row("L D D D D D D D D D D", writes=True),
    "evaluation_certificates:edit": row("L D D D D D D D D D D", writes=True, pk="certificate"),
    "evaluation_certificates:delete": row("L D D D D D D D D D D", writes=True, pk="certificate"),
    "evaluation_certificates:history": row("L D D D D D D D D D D", pk="certificate"),
    "evaluation_certificates:history_results": row("L D D D D D D D D D D", pk="certificate"),
    "evaluation_certificates:usage": row("L D D D D D D D D D D", pk="certificate"),
    "evaluation_certificates:inspect": row("L A A A D D D D D D D", pk="certificate"),
    "evaluation_certificate_issue:index": row("L A A A A A A A A A D"),
    "evaluation_certificate_issue:start": row("L A A A D D D D D D D", post_only=True, campaign_pk="campaign"),
    "evaluation_certificate_issue:zip": row("L A A A D D D D D D D", campaign_pk="campaign"),
    "evaluation_certificate_issue:run": row("L D D D D D D D D D D", pk=NOTHING),
    "evaluation_certificate_issue:requeue": row("L D D D D D D D D D D", writes=True, pk=NOTHING),
    "wagtailadmin_sprite": row("A A A A A A A A A A A"),
    "wagtailadmin_login": row("A A A A A A A A A A A"),
    "wagtailadmin_password_reset": row("A A A A A A A A A A A", writes=True),
    "wagtailadmin_password_reset_done": row("A A A A A A A A A A A"),
    "wagtailadmin_password_reset_confirm": row("A A A A A A A A A A A", writes=True),
    "wagtailadmin_password_reset_complete": row("A A A A A A A A A A A"),
    "wagtailadmin_javascript_catalog": row("A A A A A A A A A A A"),
    "admin/^.*/$": row("L D D D D D D D D D D", path="/admin/nothing-here/"),
    "wagtaildocs_serve": row("D D D D D D D D D D D", path="/documents/999999/none.pdf"),
    "wagtaildocs_authenticate_with_password": row("D D D D D D D D D D D"),
    "set_language": row("A A A A A A A A A A A", writes=True),
    "set_text_size": row("A A A A A A A A A A A", post_only=True),
    "healthz": row("A A A A A A A A A A A"),
    "api-v1:openapi-json": row("A A A A A A A A A A A"),
    "api-v1:openapi-view": row("A A A A A A A A A A A"),
    "api-v1:list_organizations": row("A A A A A A A A A A A"),
    "api-v1:get_organization": row("A A A A A A A A A A A", identifier="organization.uscc"),
    "api-v1:get_certificate": row("A A A A A A A A A A A", code="certificate.code"),
    "api-v1:statistics": row("A A A A A A A A A A A"),
    "api-v1:api-root": row("D D D D D D D D D D D"),
    "open_data_csv": row("A A A A A A A A A A A"),
    "open_data_xlsx": row("A A A A A A A A A A A"),
    "open_data_json": row("A A A A A A A A A A A"),
    "open_data": row("A A A A A A A A A A A"),
    "account_home": row("L A A A A A A A A A A"),
    "account_login": row("A A A A A A A A A A A"),
    "account_logout": row("A A A A A A A A A A A", post_only=True),
    "account_signup": row("A A A A A A A A A A A", writes=True),
    "account_claim": row("L A A A A A A A A A A", writes=True),
    "account_annual_reports": row("L A A A A A A A A A A"),
    "account_annual_report": row("L A A A A A A A A A A", year="annual_report.year"),
    "annual_report_results": row("A A A A A A A A A A A"),
    "account_deadlines": row("L A A A A A A A A A A"),
    "account_notifications": row("L A A A A A A A A A A"),
    "account_verify": row("A A A A A A A A A A A", writes=True, uidb64=given("MQ"), token=given("bad-token")),
    "account_resend_verification": row("A A A A A A A A A A A", writes=True),
    "account_password_reset": row("A A A A A A A A A A A", writes=True),
    "account_password_reset_done": row("A A A A A A A A A A A"),
    "account_password_reset_complete": row("A A A A A A A A A A A"),
    "account_password_reset_confirm": row(
        "A A A A A A A A A A A", writes=True, uidb64=given("MQ"), token=given("bad-token"),
    ),
    "account_application_new": row("L A A A A A A A A A A", writes=True, kind=given("registration")),
    "account_application": row({"own": "L D D D D D D D D D A", "other": "L D D D D D D D D D D"}, pk="application"),
    "account_application_edit": row(
        {"own": "L D D D D D D D D D A", "other": "L D D D D D D D D D D"}, writes=True, pk="application"
    ),
    "account_application_step": row(
        {"own": "L D D D D D D D D D A", "other": "L D D D D D D D D D D"}, pk="application", step=given("basics")
    ),
    "account_application_act": row(
        {"own": "L D D D D D D D D D A", "other": "L D D D D D D D D D D"}, post_only=True, pk="application"
    ),
    "account_material_upload": row(
        {"own": "L D D D D D D D D D A", "other": "L D D D D D D D D D D"}, post_only=True, pk="application"
    ),
    "account_material_remove": row(
        {"own": "L D D D D D D D D D A", "other": "L D D D D D D D D D D"}, post_only=True, pk="material"
    ),
    "material_download": row({"own": "L A D A A D A D D D A", "other": "L A D A D D D D D D D"}, pk="material"),
    "supervision_attachment_download": row(
        {
            "own": "L A A A A D D D D D D",
            "other": "L A A A D D D D D D D",
        },
        pk="supervision_attachment",
    ),
    "account_evaluation": row("L D D D D D D D D D A"),
    "account_evaluation_start": row("L D D D D D D D D D A", post_only=True, campaign_pk="campaign"),
    "account_evaluation_case": row(
        {
            "assigned": "L D D D D D D D D D D",
            "other": "L D D D D D D D D D D",
            "own": "L D D D D D D D D D A",
        },
        pk="case",
    ),
    "account_evaluation_self_assessment": row(
        {
            "assigned": "L D D D D D D D D D D",
            "other": "L D D D D D D D D D D",
            "own": "L D D D D D D D D D A",
        },
        writes=True, pk="case",
    ),
    "account_evaluation_evidence": row(
        {
            "assigned": "L D D D D D D D D D D",
            "other": "L D D D D D D D D D D",
            "own": "L D D D D D D D D D A",
        },
        writes=True, pk="case",
    ),
    "account_evaluation_evidence_remove": row("L D D D D D D D D D D", post_only=True, pk="case", file_pk=NOTHING),
    "account_evaluation_act": row(
        {
            "own": "L D D D D D D D D D A",
            "other": "L D D D D D D D D D D",
            "assigned": "L D D D D D D D D D D",
        },
        post_only=True, pk="case",
    ),
    "evidence_download": row("L D D D D D D D D D D", pk=NOTHING),
    "certificate_download": row("L A A A D D D D D D D", pk="certificate"),
    "evaluation_notices": row("A A A A A A A A A A A"),
    "evaluation_notice": row("A A A A A A A A A A A", pk="notice"),
    "account_evaluation_appeal": row(
        {
            "assigned": "L D D D D D D D D D D",
            "other": "L D D D D D D D D D D",
            "own": "L D D D D D D D D D A",
        },
        writes=True, pk="case",
    ),
    "appeal_attachment_download": row("L D D D D D D D D D D", pk=NOTHING),
    "federations": row("A A A A A A A A A A A"),
    "federation_detail": row("A A A A A A A A A A A", street_code="federation.street.code"),
    "venture_calls": row("A A A A A A A A A A A"),
    "venture_call": row("A A A A A A A A A A A", pk="venture_call"),
    "account_venture": row("L D D D D D D D D D A"),
    "account_venture_new": row("L D D D D D D D D D A", writes=True, call_pk="venture_call"),
    "account_venture_project": row(
        {
            "other": "L D D D D D D D D D D",
            "own": "L D D D D D D D D D A",
        },
        pk="venture_project",
    ),
    "account_venture_edit": row(
        {
            "other": "L D D D D D D D D D D",
            "own": "L D D D D D D D D D A",
        },
        writes=True, pk="venture_project",
    ),
    "account_venture_submit": row(
        {
            "own": "L D D D D D D D D D A",
            "other": "L D D D D D D D D D D",
        },
        post_only=True, pk="venture_project",
    ),
    "account_venture_withdraw": row(
        {
            "own": "L D D D D D D D D D A",
            "other": "L D D D D D D D D D D",
        },
        post_only=True, pk="venture_project",
    ),
    "account_venture_report": row(
        {
            "own": "L D D D D D D D D D A",
            "other": "L D D D D D D D D D D",
        },
        post_only=True, pk="venture_project", kind=given("midterm"),
    ),
    "verify": row("A A A A A A A A A A A"),
    "verify_public_key": row("A A A A A A A A A A A"),
    "verify_public_key_by_id": row("A A A A A A A A A A A", key_id="certificate.key_id"),
    "verify_certificate": row("A A A A A A A A A A A", code="certificate.code"),
    "verify_certificate_json": row("A A A A A A A A A A A", code="certificate.code"),
    "wagtailcore_authenticate_with_password": row("D D D D D D D D D D D"),
    "wagtailcore_login": row("A A A A A A A A A A A"),
    "wagtail_serve": row("A A A A A A A A A A A", path="/"),
    "wagtail_serve_any": row("D D D D D D D D D D D", path="/no-such-page/〔2024〕/"),
    "wagtailadmin_api:pages:detail": row("L A D D D D D D D D D", pk="page"),
    "wagtailadmin_api:pages:find": row("L D D D D D D D D D D"),
    "wagtailadmin_api:pages:action": row("L A D D D D D D D D D", post_only=True, pk="page", action_name=given("copy")),
    "wagtailadmin_api:pages:*": row("L A A A A A A A A A D", writes=True, pk="page"),
    "wagtailadmin_api:documents:detail": row("L A A A A A A A A A D", pk="document"),
    "wagtailadmin_api:documents:find": row("L D D D D D D D D D D"),
    "wagtailadmin_api:documents:*": row("L A A A A A A A A A D", writes=True, pk="document"),
    "wagtailadmin_api:images:detail": row("L D D D D D D D D D D", pk=NOTHING),
    "wagtailadmin_api:images:find": row("L D D D D D D D D D D"),
    "wagtailadmin_api:images:*": row("L A A A A A A A A A D", writes=True),
    "wagtailadmin_pages:add": row("L D D D D D D D D D D", writes=True),
    "wagtailadmin_pages:preview_on_add": row("L D D D D D D D D D D", writes=True),
    "wagtailadmin_pages:type_use": row("L A D D D D D D D D D"),
    "wagtailadmin_pages:choose_parent": row("L A A A A A A A A A D"),
    "wagtailadmin_pages:type_use_results": row("L A D D D D D D D D D"),
    "wagtailadmin_pages:add_subpage": row("L D D D D D D D D D D", writes=True),
    "wagtailadmin_pages:convert_alias": row("L D D D D D D D D D D", writes=True),
    "wagtailadmin_pages:search": row("L A D D D D D D D D D"),
    "wagtailadmin_pages:search_results": row("L A D D D D D D D D D"),
    "wagtailadmin_pages:move_confirm": row("L A A A A A A A A A D", writes=True),
    "wagtailadmin_pages:workflow_action": row("L D D D D D D D D D D"),
    "wagtailadmin_pages:collect_workflow_action_data": row("L D D D D D D D D D D"),
    "wagtailadmin_pages:confirm_workflow_cancellation": row("L A A A A A A A A A D"),
    "wagtailadmin_pages:workflow_preview": row("L D D D D D D D D D D"),
    "wagtailadmin_pages:lock": row("L A D D D D D D D D D", post_only=True),
    "wagtailadmin_pages:unlock": row("L A D D D D D D D D D", post_only=True),
    "wagtailadmin_pages:revisions_index": row("L A A A A A A A A A D"),
    "wagtailadmin_pages:revisions_view": row("L D D D D D D D D D D"),
    "wagtailadmin_pages:revisions_revert": row("L D D D D D D D D D D", writes=True),
    "wagtailadmin_pages:revisions_unschedule": row("L D D D D D D D D D D"),
    "wagtailadmin_pages:revisions_compare": row(
        "L D D D D D D D D D D", path="/admin/pages/3/revisions/compare/earliest...latest/",
    ),
    "wagtailadmin_pages:workflow_history_detail": row("L D D D D D D D D D D"),
    "wagtailadmin_pages:*": row("L A D D D D D D D D D", writes=True),
    "wagtailadmin_collections:edit": row("L D D D D D D D D D D", writes=True, pk="collection"),
    "wagtailadmin_collections:delete": row("L D D D D D D D D D D", writes=True, pk="collection"),
    "wagtailadmin_collections:set_privacy": row("L A D D D D D D D D D", writes=True),
    "wagtailadmin_collections:*": row("L A D D D D D D D D D", writes=True, pk="collection"),
    "wagtailadmin_workflows:enable": row("L A D D D D D D D D D", post_only=True, pk="workflow"),
    "wagtailadmin_workflows:disable": row("L A D D D D D D D D D", writes=True, pk="workflow"),
    "wagtailadmin_workflows:edit": row("L A D D D D D D D D D", writes=True, pk="workflow"),
    "wagtailadmin_workflows:usage": row("L A D D D D D D D D D", pk="workflow"),
    "wagtailadmin_workflows:usage_results": row("L A D D D D D D D D D", pk="workflow"),
    "wagtailadmin_workflows:remove": row("L A D D D D D D D D D", post_only=True),
    "wagtailadmin_workflows:add_task": row("L D D D D D D D D D D", writes=True),
    "wagtailadmin_workflows:edit_task": row("L A D D D D D D D D D", writes=True, pk="task"),
    "wagtailadmin_workflows:disable_task": row("L A D D D D D D D D D", writes=True, pk="task"),
    "wagtailadmin_workflows:enable_task": row("L A D D D D D D D D D", post_only=True, pk="task"),
    "wagtailadmin_workflows:task_chooser": row("L A A A A A A A A A D"),
    "wagtailadmin_workflows:task_chooser_results": row("L A A A A A A A A A D"),
    "wagtailadmin_workflows:task_chooser_create": row("L A A A A A A A A A D"),
    "wagtailadmin_workflows:task_chosen": row("L A A A A A A A A A D"),
    "wagtailadmin_workflows:*": row("L A D D D D D D D D D", writes=True, pk="workflow"),
    "wagtailadmin_reports:site_history": row("L A A A A A A A A A D"),
    "wagtailadmin_reports:site_history_results": row("L A A A A A A A A A D"),
    "wagtailadmin_reports:*": row("L A D D D D D D D D D", writes=True),
    "wagtailadmin_editing_sessions:*": row("L A A A A A A A A A D", post_only=True),
    "wagtailforms:index": row("L A D D D D D D D D D"),
    "wagtailforms:index_results": row("L A D D D D D D D D D"),
    "wagtailforms:*": row("L D D D D D D D D D D", writes=True),
    "wagtailredirects:process_import": row("L A D D D D D D D D D", post_only=True),
    "wagtailredirects:edit": row("L D D D D D D D D D D", writes=True),
    "wagtailredirects:delete": row("L D D D D D D D D D D", writes=True),
    "wagtailredirects:*": row("L A D D D D D D D D D", writes=True),
    "wagtailsettings:*": row("L D D D D D D D D D D", writes=True),
    "wagtailembeds:*": row("L A A A A A A A A A D", writes=True),
    "wagtailsnippets:*": row("L D D D D D D D D D D", writes=True),
    "wagtaildocs:edit": row("L A D D D D D D D D D", writes=True),
    "wagtaildocs:delete": row("L A D D D D D D D D D", writes=True),
    "wagtaildocs:edit_multiple": row("L A D D D D D D D D D", post_only=True),
    "wagtaildocs:create_multiple_from_uploaded_document": row("L A D D D D D D D D D", post_only=True),
    "wagtaildocs:delete_multiple": row("L A D D D D D D D D D", post_only=True),
    "wagtaildocs:delete_upload_multiple": row("L A D D D D D D D D D", post_only=True),
    "wagtaildocs:document_usage": row("L A D D D D D D D D D"),
    "wagtaildocs:*": row("L A D D D D D D D D D", writes=True),
    "wagtailimages:index": row("L A D D D D D D D D D"),
    "wagtailimages:index_results": row("L A D D D D D D D D D"),
    "wagtailimages:add": row("L A D D D D D D D D D", writes=True),
    "wagtailimages:add_multiple": row("L A D D D D D D D D D", writes=True),
    "wagtailimages:create_multiple_from_uploaded_image": row("L A D D D D D D D D D", post_only=True),
    "wagtailimages:delete_upload_multiple": row("L A D D D D D D D D D", post_only=True),
    "wagtailimages:*": row("L D D D D D D D D D D", writes=True),
    "wagtailsites:index": row("L A D D D D D D D D D"),
    "wagtailsites:index_results": row("L A D D D D D D D D D"),
    "wagtailsites:add": row("L A D D D D D D D D D", writes=True),
    "wagtailsites:*": row("L A D D D D D D D D D", writes=True, pk="site"),
    "wagtailusers_users:index": row("L A D D D D D D D D D"),
    "wagtailusers_users:index_results": row("L A D D D D D D D D D"),
    "wagtailusers_users:add": row("L A D D D D D D D D D", writes=True),
    "wagtailusers_users:delete": row("L D D D D D D D D D D", writes=True, pk="user"),
    "wagtailusers_users:*": row("L A D D D D D D D D D", writes=True, pk="user"),
    "wagtailusers_groups:index": row("L A D D D D D D D D D"),
    "wagtailusers_groups:index_results": row("L A D D D D D D D D D"),
    "wagtailusers_groups:add": row("L A D D D D D D D D D", writes=True),
    "wagtailusers_groups:*": row("L A D D D D D D D D D", writes=True, pk="group"),
    "wagtaildocs_chooser:chosen": row("L D D D D D D D D D D"),
    "wagtaildocs_chooser:create": row("L A D D D D D D D D D"),
    "wagtaildocs_chooser:*": row("L A A A A A A A A A D", writes=True),
    "wagtailimages_chooser:chosen": row("L D D D D D D D D D D"),
    "wagtailimages_chooser:create": row("L A D D D D D D D D D"),
    "wagtailimages_chooser:select_format": row("L D D D D D D D D D D"),
    "wagtailimages_chooser:*": row("L A A A A A A A A A D", writes=True),

}
# fmt: on


def entry_for(pattern: Pattern) -> tuple[str | None, str]:
    """(the row's key, a problem): the exact key if there is one, else the only matching glob."""
    if pattern.key in MATRIX:
        return pattern.key, ""
    globs = [key for key in MATRIX if fnmatch.fnmatchcase(pattern.key, key)]
    if len(globs) == 1:
        return globs[0], ""
    if not globs:
        return None, (
            f"No entry in MATRIX for {pattern.key!r} ({pattern.route}): add one to "
            "tests/security/test_permission_matrix.py saying what each role may do there."
        )
    return None, f"{pattern.key!r} matches several MATRIX globs {globs}: make one of them narrower."


PATTERNS = all_patterns()


def test_every_matrix_row_matches_a_pattern():
    used = {entry_for(pattern)[0] for pattern in PATTERNS}
    assert set(MATRIX) - used == set(), "rows matching no URL pattern (a renamed or removed view?)"


@pytest.fixture(scope="module")
def world(demo, django_db_blocker):
    """The demo plus what it lacks, the objects of each variant, and each role's session cookie;
    built once for the module inside the demo's transaction."""
    with django_db_blocker.unblock():
        add_what_the_demo_lacks(timezone.localdate())
        objects = build_world()
        cookies = {}
        for role, user in users().items():
            client = Client()
            if user is not None:
                client.force_login(user)
            cookies[role] = client.cookies
    return objects, cookies


def client_for(cookies) -> Client:
    """A fresh client on the role's session: a logout or a stored message in one request must not
    change what the next one sees. raise_request_exception is off: a 500 is an outcome to compare."""
    client = Client(raise_request_exception=False)
    for name, morsel in cookies.items():
        client.cookies[name] = morsel.value
    return client


def variants_of(entry: Row, pattern: Pattern, objects) -> dict[str, str]:
    """variant → path for the pattern, filled from the world."""
    if entry.path:
        return {"any": entry.path}
    specs = {name: entry.args.get(name, BY_NAME.get(name)) for name in argument_names(pattern.route)}
    missing = [name for name, spec in specs.items() if spec is None]
    assert not missing, f"MATRIX[{pattern.key!r}] does not say how to fill {missing}"
    kinds = {spec.split(".")[0] for spec in specs.values() if isinstance(spec, str)}
    for kind in kinds:
        assert objects.get(kind), f"the world has no {kind}: add one in tests/security/world.py"
    names = sorted({variant for kind in kinds for variant in objects[kind]} - {"any"}) or ["any"]
    return {
        variant: fill(pattern.route, {n: _value(s, objects, variant) for n, s in specs.items()}) for variant in names
    }


def _value(spec, objects, variant):
    if isinstance(spec, Given):
        return spec.value
    kind, *attributes = spec.split(".")
    found = objects[kind].get(variant) or next(iter(objects[kind].values()))
    for attribute in attributes:
        found = getattr(found, attribute)
    return found


def expected(entry: Row, variant: str) -> dict[str, str]:
    letters = entry.outcomes if isinstance(entry.outcomes, str) else entry.outcomes[variant]
    return dict(zip(COLUMNS, (LETTERS[letter] for letter in letters.split()), strict=True))


def _get(cookies, path: str, role: str) -> str:
    return outcome_of(client_for(cookies).get(path), signed_in=role != ANONYMOUS)


def _params(only_writes: bool):
    for pattern in PATTERNS:
        key, _problem = entry_for(pattern)
        if only_writes and (key is None or not MATRIX[key].writes):
            continue
        marks = [pytest.mark.xfail(strict=True, reason=LEAKS[key])] if key in LEAKS else []
        yield pytest.param(pattern, id=pattern.id, marks=marks)


# Rows whose outcomes are what the code does today but not what it should (a `# LEAK:` comment
# on the row says what leaks); strict, so fixing the view turns them into failures to update.
LEAKS: dict[str, str] = {}


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", list(_params(only_writes=False)))
def test_each_role_gets_what_the_matrix_says(pattern, world):
    key, problem = entry_for(pattern)
    assert key is not None, problem
    objects, cookies = world
    entry = MATRIX[key]
    paths = variants_of(entry, pattern, objects)
    if isinstance(entry.outcomes, dict):
        assert set(entry.outcomes) == set(paths), f"MATRIX[{key!r}] variants {set(entry.outcomes)} ≠ {set(paths)}"
    wrong, seen = [], {}
    for variant, path in paths.items():
        seen[variant] = []
        for role, wanted in expected(entry, variant).items():
            got = _get(cookies[role], path, role)
            seen[variant].append(got[0])
            if entry.post_only and wanted == ALLOW:
                wanted = METHOD
            # An address may answer GET with 405 before it checks who asks: that shows nothing,
            # and the POST test holds the refusal.
            if got != wanted and not (got == METHOD and wanted in REFUSALS):
                wrong.append(f"{role} on {variant} {path}: expected {wanted}, got {got}")
    observed = {variant: " ".join(letters) for variant, letters in seen.items()}
    assert not wrong, f"{key}:\n" + "\n".join(wrong) + f"\nobserved: {observed}"


# Writes a refused POST may make: a session.
HARMLESS_TABLES = ("django_session",)


def _writes(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if query["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
        and not any(table in query["sql"] for table in HARMLESS_TABLES)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", list(_params(only_writes=True)))
def test_refused_post_changes_nothing(pattern, world):
    """A POST by every role the matrix refuses is refused too, and writes nothing."""
    key, _problem = entry_for(pattern)
    objects, cookies = world
    entry = MATRIX[key]
    wrong = []
    for variant, path in variants_of(entry, pattern, objects).items():
        for role, wanted in expected(entry, variant).items():
            if wanted not in REFUSALS:
                continue
            with CaptureQueriesContext(connection) as queries:
                response = client_for(cookies[role]).post(path, {})
            got = outcome_of(response, signed_in=role != ANONYMOUS)
            if got not in (wanted, METHOD):
                wrong.append(f"{role} POST {path}: expected {wanted}, got {got}")
            if writes := _writes(queries.captured_queries):
                wrong.append(f"{role} POST {path} wrote: {writes[0][:200]}")
    assert not wrong, f"{key}:\n" + "\n".join(wrong)
