"""The catalogue of audited actions: stable codes (stored, filtered on) and their labels.

Each app registers its own codes from its AppConfig.ready(), so audit depends on no other app and a
code written nowhere in the catalogue is refused by `record()` rather than stored with no label.
"""

from collections.abc import Iterable, Mapping

from django.db.models import Choices
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

_LABELS: dict[str, Promise | str] = {
    # Cross-cutting: a person's personal data shown to an officer.
    "personal_data.view": _("查看个人信息"),
}


def register_actions(labels: Mapping[str, Promise | str]) -> None:
    """Add codes and labels to the catalogue. Registering a code twice with another label is a bug."""
    for code, label in labels.items():
        if code in _LABELS and str(_LABELS[code]) != str(label):
            raise ValueError(f"audit action {code!r} registered twice with different labels")
        _LABELS[code] = label


def actions_from_choices(prefix: str, subject, choices: type[Choices] | Iterable) -> dict[str, Promise]:
    """`{prefix.value: "subject：label"}` for each member of a TextChoices of actions or states."""
    return {f"{prefix}.{member.value}": format_lazy("{}：{}", subject, member.label) for member in choices}


def action_label(code: str) -> Promise | str:
    """The label of `code`, translated when rendered. Raises LookupError for an unknown code."""
    try:
        return _LABELS[code]
    except KeyError:
        raise LookupError(f"audit action {code!r} is not registered (audit.actions.register_actions)") from None


def action_choices() -> list[tuple[str, Promise | str]]:
    """Every registered action, by code, for the filter of the back-office listing."""
    return sorted(_LABELS.items())
