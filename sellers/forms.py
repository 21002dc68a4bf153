"""The forms of publishing quotas and answering them (the contests' are in contest_forms.py)."""

from django import forms

from sellers.quotas import BODY_LIMIT


class PublishForm(forms.Form):
    message = forms.CharField(
        required=False,
        max_length=BODY_LIMIT,
        label="Message to the sellers",
        help_text="Optional: it goes in the e-mail and on each seller's page.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class QuestionForm(forms.Form):
    body = forms.CharField(
        label="Your question",
        required=False,  # an empty question gets the service's own message
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": BODY_LIMIT}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AnswerForm(forms.Form):
    body = forms.CharField(
        label="Answer",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": BODY_LIMIT}),
    )
