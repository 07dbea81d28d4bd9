"""What every action form shares: the version the agent saw, a remark, the styling. The areas' own
forms (their actions' parameters, their new-case form) live in their apps."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


def style_fields(form: forms.Form) -> None:
    """Bootstrap classes on every widget, and the invalid mark on fields with errors.

    Reads the errors only once the form has been cleaned: asking for ``form.errors`` here runs
    the validation, and from a base ``__init__`` that would happen before a subclass adds its
    fields (ReceiveForm's quantities), leaving them out of ``cleaned_data`` for good.
    """
    errors = form._errors or {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        if name in errors:
            css += " is-invalid"
        widget.attrs["class"] = css


class StyledForm(forms.Form):
    def full_clean(self):
        super().full_clean()
        style_fields(self)

    def add_error(self, field, error):
        super().add_error(field, error)
        style_fields(self)


class ActionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("备注"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)

    confirm = ""

    def params(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data.pop("comment", None)
        return {k: v for k, v in data.items() if v not in (None, "")}
