"""Secret key files kept outside git: the certificate signing key, the personal data keys."""

import os
import tempfile
from pathlib import Path


def create_key_file(path: Path, content: bytes) -> bool:
    """Write `content` to `path` unless a file is already there; True when this call wrote it.

    The content is written in full to a private temporary file beside `path` (mode 0600) and then
    hard-linked into place: the link either creates `path` complete or fails because another
    process got there first, whose key then wins. No reader ever sees half a key.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temporary)
