"""Django's flush, allowed to empty the append-only audit table (see audit/erasing.py).

The test suite flushes the database after every transactional test through `call_command("flush")`;
this app's copy of the command wins because the app is listed before the others.
"""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from ...erasing import erasing_allowed


class Command(flush.Command):
    def handle(self, **options):
        with erasing_allowed(connections[options.get("database") or DEFAULT_DB_ALIAS]):
            return super().handle(**options)
