"""Exported cells that a spreadsheet program cannot run (formula or "CSV" injection).

Excel, WPS and LibreOffice read text starting with = + - @ (or a TAB or CR, which they skip) as
a formula, so an organization named =HYPERLINK("http://x") would become a live link, or worse,
in an officer's export. Every exporter (open data, the back-office lists) passes its cells
through `safe_cell`, which keeps such text as text by putting an apostrophe before it: Excel's
own mark for "this is text".

Decisions: only strings change, so numbers (a negative amount exported as a number) stay
numbers; a lone sign ("-" as an empty placeholder) cannot be a formula and is left alone; a phone
number written "+86 ..." is text and gets the apostrophe like any other. Importing reverses it
(`unguard`), so an exported file imported again changes nothing.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def safe_cell(value):
    """`value`, with an apostrophe before text that a spreadsheet program would run."""
    if isinstance(value, str) and len(value) > 1 and value.startswith(FORMULA_STARTS):
        return GUARD + value
    return value


def safe_row(values) -> list:
    return [safe_cell(value) for value in values]


def unguard(text: str) -> str:
    """Text as it was before `safe_cell` guarded it, for reading an exported file back."""
    if text.startswith(GUARD) and safe_cell(text[1:]) == GUARD + text[1:]:
        return text[1:]
    return text
