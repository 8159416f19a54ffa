"""Row ids read from an address or a posted form. `str.isdigit()` is true for "²", which `int()`
refuses, and an overlong number is beyond any primary key: either would end in an error page.
An id is a short run of ASCII digits; anything else is no id, and the caller's lookup finds nothing."""

# Below 2**63, the largest primary key the database holds.
MAX_ID_DIGITS = 18


def as_id(value) -> int | None:
    text = str(value if value is not None else "").strip()
    if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS:
        return int(text)
    return None
