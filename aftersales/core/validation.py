"""pydantic's validation errors, said in the user's language: the field is named beside
a reason people read, never pydantic's English."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# pydantic's error types that mean "nothing was given".
MISSING = frozenset({"missing", "string_too_short"})

# pydantic's reasons, said in the user's language; the field is named beside them.
_REASONS = {
    "missing": _("必须填写"),
    "string_too_short": _("不能为空"),
    "string_too_long": _("不能超过 %(max_length)s 个字符"),
    "greater_than_equal": _("不能小于 %(ge)s"),
    "greater_than": _("必须大于 %(gt)s"),
    "less_than_equal": _("不能大于 %(le)s"),
    "decimal_parsing": _("金额格式不正确"),
    "decimal_type": _("金额格式不正确"),
    "decimal_max_digits": _("金额格式不正确"),
    "decimal_max_places": _("金额最多两位小数"),
    "decimal_whole_digits": _("金额格式不正确"),
    "finite_number": _("金额格式不正确"),
    "int_parsing": _("必须是整数"),
    "int_type": _("必须是整数"),
    "int_from_float": _("必须是整数"),
    "bool_parsing": _("必须是是或否"),
    "bool_type": _("必须是是或否"),
    "dict_type": _("格式不正确，应按商品行填写"),
    "string_type": _("必须是文字"),
    "enum": _("不是可选的值"),
    "literal_error": _("不是可选的值"),
    "extra_forbidden": _("不是这个操作的参数"),
}


def reason_of(error: dict[str, Any]) -> str:
    template = _REASONS.get(error["type"])
    if template is None:
        return _("格式不正确")
    try:
        return str(template) % (error.get("ctx") or {})
    except (KeyError, TypeError, ValueError):
        return str(template)


_CODES = {
    "string_too_long": "too_long",
    "decimal_parsing": "invalid_amount",
    "decimal_type": "invalid_amount",
    "decimal_max_digits": "invalid_amount",
    "decimal_max_places": "invalid_amount",
    "decimal_whole_digits": "invalid_amount",
    "finite_number": "invalid_amount",
    "greater_than_equal": "out_of_range",
    "greater_than": "out_of_range",
    "less_than_equal": "out_of_range",
    "less_than": "out_of_range",
}


def code_of(error: dict[str, Any]) -> str:
    """A code a program can act on: ``required``, ``too_long``, ``invalid_amount``,
    ``out_of_range``, or ``invalid`` for the rest."""
    if error["type"] in MISSING:
        return "required"
    return _CODES.get(error["type"], "invalid")
