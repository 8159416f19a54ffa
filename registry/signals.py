"""Signals the registry sends, so that other apps react to its changes without the registry
importing them (evaluation revokes certificates when an organization ends)."""

from django.dispatch import Signal

# Sent by `registry.services.organizations.update_organization`, inside its transaction, when an
# organization's status changes. Keyword arguments: organization, old_status, new_status, actor,
# source (what caused the change, as recorded in the history, e.g. 注销登记 or 信用名录).
# A receiver's error rolls the change back.
organization_status_changed = Signal()

# Sent by `registry.services.organizations.save_organizations_in_bulk` (an import) once it has
# written many organizations with bulk queries, which send no post_save or m2m_changed.
organizations_saved_in_bulk = Signal()
