"""Permission predicates of the audit log: read-only for officers, no change for anyone."""

import rules

from .scoping import audit_entries_for_user, may_read_audit_log


@rules.predicate
def may_read_entry(user, entry=None):
    """Without an entry: may the user read the log at all."""
    if entry is None:
        return may_read_audit_log(user)
    return audit_entries_for_user(user).filter(pk=entry.pk).exists()


# Viewing only. There is no add, change or delete permission to grant: the admin has no such view
# (audit.views), the policy answers no to them for everyone, superusers included, and entries are
# written by audit.services.record alone.
rules.add_perm("audit.view_auditentry", may_read_entry)
