"""Permission predicates of evaluation ("may this user do this?"), in sections per model.

Object-level answers come from the scoping selectors, as in `registry.rules`, so a predicate and
a list never disagree. Every write still goes through `evaluation.services`, which refuses what
the data does not allow (a framework in use, a second campaign in a year).
"""

import rules

from registry.rules import is_active_superuser, uses_back_office

from .selectors import campaigns as campaign_selectors
from .selectors.bodies import (
    agencies_for_user,
    agency_members_for_user,
    committee_members_for_user,
    committees_for_user,
    manageable_committee_members_for_user,
    manageable_committees_for_user,
)


@rules.predicate
def is_evaluation_officer(user):
    return campaign_selectors.is_evaluation_officer(user)


# --- Frameworks, their indicators and grade bands: reference for the whole back office; the
# city and district bureaus keep them.

for model in ("framework", "indicator", "gradeband"):
    rules.add_perm(f"evaluation.view_{model}", is_active_superuser | uses_back_office)
    for action in ("add", "change", "delete"):
        rules.add_perm(f"evaluation.{action}_{model}", is_active_superuser | is_evaluation_officer)


# --- Campaigns


@rules.predicate
def may_manage_campaign(user, campaign=None):
    """Without a campaign: may the user run campaigns at all."""
    if campaign is None:
        return campaign_selectors.is_evaluation_officer(user)
    return campaign_selectors.manageable_campaigns_for_user(user).filter(pk=campaign.pk).exists()


rules.add_perm("evaluation.view_campaign", is_active_superuser | uses_back_office)
rules.add_perm("evaluation.add_campaign", is_active_superuser | is_evaluation_officer)
rules.add_perm("evaluation.change_campaign", is_active_superuser | may_manage_campaign)
rules.add_perm("evaluation.delete_campaign", is_active_superuser | may_manage_campaign)


# --- Agencies and their people


@rules.predicate
def may_view_agency(user, agency=None):
    if agency is None:
        return campaign_selectors.is_evaluation_officer(user) or agencies_for_user(user).exists()
    return agencies_for_user(user).filter(pk=agency.pk).exists()


@rules.predicate
def may_view_agency_member(user, member=None):
    if member is None:
        return campaign_selectors.is_evaluation_officer(user) or agency_members_for_user(user).exists()
    return agency_members_for_user(user).filter(pk=member.pk).exists()


rules.add_perm("evaluation.view_agency", is_active_superuser | may_view_agency)
rules.add_perm("evaluation.view_agencymember", is_active_superuser | may_view_agency_member)
for model in ("agency", "agencymember"):
    for action in ("add", "change", "delete"):
        rules.add_perm(f"evaluation.{action}_{model}", is_active_superuser | is_evaluation_officer)


# --- Committees and their members


@rules.predicate
def may_view_committee(user, committee=None):
    if committee is None:
        return campaign_selectors.is_evaluation_officer(user) or committees_for_user(user).exists()
    return committees_for_user(user).filter(pk=committee.pk).exists()


@rules.predicate
def may_manage_committee(user, committee=None):
    if committee is None:
        return campaign_selectors.is_evaluation_officer(user)
    return manageable_committees_for_user(user).filter(pk=committee.pk).exists()


@rules.predicate
def may_view_committee_member(user, member=None):
    if member is None:
        return campaign_selectors.is_evaluation_officer(user) or committee_members_for_user(user).exists()
    return committee_members_for_user(user).filter(pk=member.pk).exists()


@rules.predicate
def may_manage_committee_member(user, member=None):
    if member is None:
        return campaign_selectors.is_evaluation_officer(user)
    return manageable_committee_members_for_user(user).filter(pk=member.pk).exists()


rules.add_perm("evaluation.view_committee", is_active_superuser | may_view_committee)
rules.add_perm("evaluation.add_committee", is_active_superuser | may_manage_committee)
rules.add_perm("evaluation.change_committee", is_active_superuser | may_manage_committee)
rules.add_perm("evaluation.delete_committee", is_active_superuser | may_manage_committee)
rules.add_perm("evaluation.view_committeemember", is_active_superuser | may_view_committee_member)
rules.add_perm("evaluation.add_committeemember", is_active_superuser | may_manage_committee_member)
rules.add_perm("evaluation.delete_committeemember", is_active_superuser | may_manage_committee_member)
# A membership has nothing to edit: it is added or removed.
rules.add_perm("evaluation.change_committeemember", rules.always_deny)
