"""core.editing: the one place that turns a form post and a service call into 200, 409 or 422."""

from django import forms
from django.core.exceptions import ValidationError

from core import editing
from core.exceptions import InvalidTransitionError, StaleVersionError


class NameForm(forms.Form):
    version = forms.IntegerField(required=False)
    name = forms.CharField(label="Name", max_length=5)


def _raise(exc: Exception):
    raise exc


def test_a_saved_write_is_a_200_with_what_the_service_returned():
    form = NameForm({"name": "Ann", "version": "3"})
    outcome = editing.submit(form, lambda: form.cleaned_data["name"].upper())
    assert (outcome.ok, outcome.status, outcome.saved, outcome.message) == (True, 200, "ANN", "")


def test_an_invalid_form_is_a_422_and_the_service_is_not_called():
    called = []
    outcome = editing.submit(NameForm({"name": "Annabel"}), lambda: called.append(1))
    assert outcome.status == 422 and not called
    assert outcome.message == "Name Ensure this value has at most 5 characters (it has 7)."


def test_an_invalid_form_can_say_a_fixed_message_instead():
    outcome = editing.submit(NameForm({}), lambda: None, invalid="Reload the page and try again.")
    assert (outcome.status, outcome.message) == (422, "Reload the page and try again.")


def test_a_stale_version_is_a_409_and_leaves_the_form_as_posted():
    form = NameForm({"name": "Ann", "version": "1"})
    outcome = editing.submit(form, lambda: _raise(StaleVersionError(current_version=2, label="Goal")))
    assert (outcome.status, outcome.stale) == (409, True)
    assert outcome.message.startswith("Goal was changed by someone else") and not form.errors


def test_a_refusal_naming_a_field_stands_beside_it_and_one_naming_none_above_the_form():
    form = NameForm({"name": "Ann"})
    refusal = ValidationError({"name": "Taken.", "plan": "Pick one from this plan."})
    outcome = editing.submit(form, lambda: _raise(refusal))
    assert outcome.status == 422 and outcome.message == "Taken. Pick one from this plan."
    assert form.errors["name"] == ["Taken."]  # beside its field
    assert form.non_field_errors() == ["Pick one from this plan."]  # no such field: above the form


def test_a_workflow_refusal_stands_above_the_form_and_a_view_may_make_it_a_409():
    form = NameForm({"name": "Ann"})
    outcome = editing.submit(form, lambda: _raise(InvalidTransitionError("The plan is locked.")), refused=409)
    assert (outcome.status, outcome.stale) == (409, False)
    assert form.non_field_errors() == ["The plan is locked."]


def test_form_errors_put_the_label_first_and_an_unlabelled_field_gives_the_error_alone():
    form = NameForm({"name": "Annabel", "version": "x"})
    assert not form.is_valid()
    assert editing.form_errors(form) == [
        "Enter a whole number.",  # version has no label: not "None Enter a whole number."
        "Name Ensure this value has at most 5 characters (it has 7).",
    ]
    assert editing.form_text(form, labels=": ", sep="; ").endswith(
        "; Name: Ensure this value has at most 5 characters (it has 7)."
    )
    assert (
        editing.form_errors(form, labels=None)[1] == "Ensure this value has at most 5 characters (it has 7)."
    )


def test_values_leave_out_the_version_the_form_was_read_at():
    form = NameForm({"name": "Ann", "version": "4"})
    assert form.is_valid()
    assert editing.values(form.cleaned_data) == {"name": "Ann"}
    assert editing.versioned(form) == {"version": 4, "values": {"name": "Ann"}}


def test_one_formatter_says_what_any_refusal_says():
    assert editing.error_text(ValidationError(["One.", "Two."])) == "One. Two."
    assert editing.error_text(InvalidTransitionError("Locked.")) == "Locked."
