"""Form fields shared by every app."""

from decimal import Decimal

from django import forms

from core import tabular


class NumberField(forms.DecimalField):
    """A DecimalField that reads what is typed as a plain number (core.tabular): an optional minus,
    digits, a dot for decimals; no thousands separator, exponent, sign or space inside."""

    def to_python(self, value: object) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int):
            return Decimal(value)
        try:
            return tabular.parse_number(str(value), declarable=False)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


def plain_numbers(form: forms.BaseForm) -> None:
    """Make every DecimalField of a (model) form a NumberField, so that a model form's generated fields
    read typed numbers the one way too."""
    for field in form.fields.values():
        if type(field) is forms.DecimalField:
            field.__class__ = NumberField  # the same field, with NumberField's to_python


def format_fields(*, dates: bool) -> dict[str, forms.Field]:
    """The optional declared number (and date) format of an upload form, the default first."""
    fields: dict[str, forms.Field] = {
        "number_format": forms.ChoiceField(
            choices=tabular.NUMBER_CHOICES,
            initial=tabular.PLAIN.code,
            required=False,
            label="Numbers in the file",
        )
    }
    if dates:
        fields["date_format"] = forms.ChoiceField(
            choices=tabular.DATE_CHOICES, initial=tabular.ISO.code, required=False, label="Dates in the file"
        )
    return fields
