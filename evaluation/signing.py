"""The issuer's Ed25519 key, which signs every certificate (DESIGN.md section 10).

The private key (PEM, PKCS#8, unencrypted) comes from `CERTIFICATE_SIGNING_KEY` (the PEM text,
e.g. from a secret store) or else from the file `CERTIFICATE_SIGNING_KEY_FILE`, which lies
outside git (under var/ by default). When neither holds a key and
`CERTIFICATE_SIGNING_KEY_GENERATE` is on (the embedded default; production turns it off), a new
key is written to that file on first use. The public half is published at /verify/ so that
anyone can check a certificate offline (docs/certificates.md).

Keys are rotated by keeping the retired public halves (`CERTIFICATE_RETIRED_PUBLIC_KEYS`: PEM
files, or directories of them): a certificate is checked against the key its `key_id` names, so
certificates signed before a rotation keep verifying. Only the current key signs.
"""

import base64
import binascii
import dataclasses
import functools
import hashlib
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from registry.key_files import create_key_file

logger = logging.getLogger(__name__)


def _private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_private(pem: bytes, origin: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"The certificate signing key in {origin} is not an unencrypted PEM key.") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"The certificate signing key in {origin} is not an Ed25519 key.")
    return key


def _create_key_file(path: Path) -> None:
    """Write a new key to `path` unless a key is already there (whose key then wins)."""
    if create_key_file(path, _private_pem(Ed25519PrivateKey.generate())):
        logger.warning("Generated a new certificate signing key in %s; keep it, and keep it private.", path)


@functools.cache
def _private_key(pem_text: str, path: str, generate: bool) -> Ed25519PrivateKey:
    if pem_text.strip():
        # An environment variable may carry the PEM's line breaks as "\n".
        return _load_private(pem_text.replace("\\n", "\n").encode(), "CERTIFICATE_SIGNING_KEY")
    key_file = Path(path)
    if not key_file.exists():
        if not generate:
            raise ImproperlyConfigured(
                f"No certificate signing key: set CERTIFICATE_SIGNING_KEY or create {key_file} "
                "(see docs/certificates.md)."
            )
        _create_key_file(key_file)
    return _load_private(key_file.read_bytes(), str(key_file))


def private_key() -> Ed25519PrivateKey:
    """The issuer's signing key, as configured (read once per configuration)."""
    return _private_key(
        settings.CERTIFICATE_SIGNING_KEY,
        str(settings.CERTIFICATE_SIGNING_KEY_FILE),
        settings.CERTIFICATE_SIGNING_KEY_GENERATE,
    )


def public_key_pem() -> str:
    """The issuer's public key as PEM (SubjectPublicKeyInfo), as published on the site."""
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def load_public_key(pem: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM text; ValueError when it is not one."""
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as error:
        raise ValueError("not a PEM public key") from error
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id_of(public_key_pem_text: str) -> str:
    """A short fingerprint of a public key: the first 16 hex digits of the SHA-256 of its raw
    32 bytes (what `openssl pkey -pubin -outform DER | tail -c 32 | sha256sum` prints)."""
    raw = load_public_key(public_key_pem_text).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def key_id() -> str:
    """The fingerprint of the issuer's current public key, recorded in each certificate."""
    return key_id_of(public_key_pem())


@dataclasses.dataclass(frozen=True)
class PublicKey:
    key_id: str
    pem: str
    current: bool


def _retired_files() -> tuple[tuple[str, int], ...]:
    """The configured retired public key files with their modification times (so that a
    changed file is read again): each entry of the setting is a PEM file or a directory whose
    *.pem files are read."""
    setting = settings.CERTIFICATE_RETIRED_PUBLIC_KEYS
    entries = [setting] if isinstance(setting, (str, os.PathLike)) else list(setting or ())
    files = []
    for entry in entries:
        if not str(entry).strip():
            continue
        path = Path(entry)
        if path.is_dir():
            files.extend(sorted(child for child in path.glob("*.pem") if child.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise ImproperlyConfigured(
                f"CERTIFICATE_RETIRED_PUBLIC_KEYS names {path}, which is neither a PEM file nor a directory."
            )
    return tuple((str(path), path.stat().st_mtime_ns) for path in files)


@functools.cache
def _retired_keys(files: tuple[tuple[str, int], ...]) -> tuple[tuple[str, str], ...]:
    keys = []
    for path, _mtime in files:
        try:
            pem = Path(path).read_text(encoding="ascii")
            keys.append((key_id_of(pem), pem))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise ImproperlyConfigured(
                f"The retired certificate public key {path} is not an Ed25519 public key in PEM ({error})."
            ) from error
    return tuple(keys)


def public_keys() -> list[PublicKey]:
    """Every key a certificate may have been signed with: the current one first, then the
    retired ones (CERTIFICATE_RETIRED_PUBLIC_KEYS) in their configured order."""
    current_pem = public_key_pem()
    keys = [PublicKey(key_id=key_id_of(current_pem), pem=current_pem, current=True)]
    for retired_id, pem in _retired_keys(_retired_files()):
        if all(key.key_id != retired_id for key in keys):
            keys.append(PublicKey(key_id=retired_id, pem=pem, current=False))
    return keys


def public_key_for(key_id) -> str | None:
    """The PEM of the issuer's key (current or retired) with this id; None for an unknown id."""
    if not isinstance(key_id, str) or not key_id:
        return None
    current_pem = public_key_pem()
    if key_id_of(current_pem) == key_id:
        return current_pem
    return next((key.pem for key in public_keys() if key.key_id == key_id), None)


def sign(data: bytes) -> str:
    """The issuer's signature of `data`, base64 (standard alphabet, padded)."""
    return base64.b64encode(private_key().sign(data)).decode("ascii")


def verify(data: bytes, signature: str, public_key_pem: str) -> bool:
    """Does `signature` (base64) sign `data` under the key `public_key_pem`? False for any
    malformed signature or key rather than an error: a forged record is just invalid."""
    try:
        key = load_public_key(public_key_pem)
        key.verify(base64.b64decode(signature, validate=True), data)
    except (ValueError, binascii.Error, InvalidSignature, TypeError):
        return False
    return True
