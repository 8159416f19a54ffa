"""Model fields that keep personal data encrypted at rest (keys: `registry.encryption`).

Written here rather than taken from a package: django-fernet-encrypted-fields derives its key from
SECRET_KEY (so rotating the session secret would lose the data), returns the stored token as the
value when no key opens it, and marks a field instance during validation, which races between
threads. These fields take their own keys, fail loudly, and hold no per-request state.
"""

import json

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.fields.json import KeyTransform
from django.db.models.lookups import Exact, IsNull

from ..encryption import decrypt, encrypt


class EncryptedCharField(models.CharField):
    """A CharField whose value is stored as a Fernet token in a text column.

    `max_length` and the validators apply to the clear value, which is what the model holds. A blank
    value is stored as "" (that a value is missing is no secret), so `field=""` still filters. Any
    other lookup would compare with a freshly randomized token and never match: it is refused.
    """

    def get_internal_type(self):
        return "TextField"

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return encrypt(value) if value else value

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value


class BlankOnlyExact(Exact):
    def get_prep_lookup(self):
        if self.rhs not in ("", None) and not hasattr(self.rhs, "as_sql"):
            raise FieldError(f"{self.lhs.field.name} is encrypted: it can be compared with a blank value only.")
        return super().get_prep_lookup()


def _refuse_lookups(field_class: type[models.Field]) -> None:
    """Every lookup but `isnull` and a blank `exact` raises a FieldError on `field_class`."""

    def refused(name: str, lookup: type) -> type:
        def get_prep_lookup(self):
            raise FieldError(f"{self.lhs.field.name} is encrypted and has no '{name}' lookup.")

        return type(f"Refused{lookup.__name__}", (lookup,), {"get_prep_lookup": get_prep_lookup})

    field_class.register_lookup(BlankOnlyExact)
    for name, lookup in models.Field.get_class_lookups().items():
        if lookup not in (Exact, IsNull):
            field_class.register_lookup(refused(name, lookup), name)


_refuse_lookups(EncryptedCharField)


class PartlyEncryptedJSONField(models.JSONField):
    """A JSON object whose values under `encrypted_keys` are stored as Fernet tokens.

    The rest of the object stays plain JSON, so lookups on other keys (`proposed__name`) keep
    working; the model always holds clear values. Only whole objects read through the field are
    decrypted: a key transform of an encrypted key reads the token.
    """

    # Which keys are encrypted changes the values written, not the column.
    non_db_attrs = (*models.JSONField.non_db_attrs, "encrypted_keys")

    def __init__(self, *args, encrypted_keys=(), **kwargs):
        self.encrypted_keys = tuple(encrypted_keys)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["encrypted_keys"] = list(self.encrypted_keys)
        return name, path, args, kwargs

    def get_prep_value(self, value):
        if isinstance(value, dict):
            value = {
                key: encrypt(json.dumps(item)) if key in self.encrypted_keys and item not in (None, "") else item
                for key, item in value.items()
            }
        return super().get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, dict) and not isinstance(expression, KeyTransform):
            for key in self.encrypted_keys:
                if value.get(key) not in (None, ""):
                    value[key] = json.loads(decrypt(value[key]))
        return value
