"""The keys that encrypt personal data at rest (legal representatives' ID numbers and phones).

Fernet (AES-128-CBC with an HMAC-SHA256 tag, from `cryptography`) under a list of keys, newest
first: the first encrypts, every one decrypts, so a key is rotated by putting a new one in front
and running `manage.py rotate_personal_data_keys`, after which the old one may go.

The keys come from `PERSONAL_DATA_KEYS` (the environment, comma-separated, e.g. from a secret
store) or else from the file `PERSONAL_DATA_KEY_FILE`, one key per line, which lies outside git
(under var/ by default). When neither holds a key and `PERSONAL_DATA_KEY_GENERATE` is on (the
embedded default; production turns it off), a new key is written to that file on first use.
Without its key the data is lost: back the key up apart from the database (docs/deployment.md).
"""

import functools
import logging
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .key_files import create_key_file

logger = logging.getLogger(__name__)


class DecryptionError(Exception):
    """A stored value that none of the configured keys opens: a wrong or missing key, never a
    reason to show the stored text instead."""


def _parse(lines: list[str], origin: str) -> MultiFernet:
    keys = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    if not keys:
        raise ImproperlyConfigured(f"No personal data key in {origin}.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            f"A personal data key in {origin} is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from error


@functools.cache
def _fernet(keys: tuple[str, ...], path: str, generate: bool) -> MultiFernet:
    if keys:
        return _parse(list(keys), "PERSONAL_DATA_KEYS")
    key_file = Path(path)
    if not key_file.exists():
        if not generate:
            raise ImproperlyConfigured(
                f"No personal data key: set PERSONAL_DATA_KEYS or create {key_file} (docs/deployment.md)."
            )
        if create_key_file(key_file, Fernet.generate_key() + b"\n"):
            logger.warning("Generated a new personal data key in %s; back it up apart from the database.", key_file)
    return _parse(key_file.read_text().splitlines(), str(key_file))


def fernet() -> MultiFernet:
    """The configured keys (read once per configuration)."""
    return _fernet(
        tuple(settings.PERSONAL_DATA_KEYS),
        str(settings.PERSONAL_DATA_KEY_FILE),
        settings.PERSONAL_DATA_KEY_GENERATE,
    )


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A stored personal data value opens with none of the configured keys "
            "(PERSONAL_DATA_KEYS / PERSONAL_DATA_KEY_FILE)."
        ) from None
