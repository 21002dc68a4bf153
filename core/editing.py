"""The one way a page writes what a form posted (NetBox's `ObjectEditView.post`, as functions).

A view binds its form and hands `submit` the service call. `submit` validates the form, calls the service
(which checks permission again and writes in its own transaction) and turns a refusal into an `Outcome`:
409 when someone else's edit came first (a stale version), 422 when the form or the service refused the
values, with the service's errors beside the fields they name. Three responders report an outcome the
three ways AOP's pages do:

- `row`: a row edited in place: with htmx the row again, at the outcome's status; without, a message and
  back to the page (or the row's own page with its errors);
- `page`: a page with a form: on success a message and a redirect, otherwise the page again;
- `action`: a button that posts: a message, and back to the page whatever happened.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from core.exceptions import InvalidTransitionError, StaleVersionError

T = TypeVar("T")
Text = str | Callable[[Any], str]  # a message, or one made from what the service returned


def error_messages(exc: Exception) -> list[str]:
    """What a refused write says: a ValidationError's messages, otherwise the exception's text."""
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]


def error_text(exc: Exception) -> str:
    return " ".join(error_messages(exc))


def form_errors(form: forms.BaseForm, *, labels: str | None = " ") -> list[str]:
    """A form's errors as lines, each after its field's label and `labels` (None: the errors alone)."""
    return [
        f"{label}{labels}{error}" if labels is not None and (label := _label(form, name)) else error
        for name, errors in form.errors.items()
        for error in errors
    ]


def _label(form: forms.BaseForm, name: str) -> str:
    field = form.fields.get(name)
    return str(field.label or "") if field else ""


def form_text(form: forms.BaseForm, *, labels: str | None = " ", sep: str = " ") -> str:
    """A form's errors as one message."""
    return sep.join(form_errors(form, labels=labels))


def values(data: Mapping[str, Any]) -> dict[str, Any]:
    """What a form or serializer posted, less the version it was read at: the values a service writes."""
    return {k: v for k, v in data.items() if k != "version"}


def versioned(form: forms.BaseForm) -> dict[str, Any]:
    """The version the form was read at and its values, as a versioned write takes them."""
    return {"version": form.cleaned_data["version"], "values": values(form.cleaned_data)}


def add_errors(form: forms.BaseForm, exc: Exception) -> None:
    """Put a refused write's errors beside the fields they name; the rest, and any other refusal, above."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error_messages(exc))


def permit(allowed: bool, why: str) -> None:
    """Refuse a post the page does not offer to this user (403), before anything is bound."""
    if not allowed:
        raise PermissionDenied(why)


@dataclass
class Outcome(Generic[T]):
    """How a write went: `saved` is what the service returned; otherwise `message` says why not, and
    `status` is the answer's status (409 stale, 422 refused)."""

    form: forms.BaseForm | None = None
    saved: T | None = None
    status: int = 200
    message: str = ""
    stale: bool = False
    error: Exception | None = None  # the service's refusal, for a view that shows it elsewhere

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.message


def submit(
    form: forms.BaseForm | None,
    save: Callable[[], T],
    *,
    invalid: Text = form_text,
    refused: int = 422,
) -> Outcome[T]:
    """Validate the bound `form` (None: nothing to validate), then `save()`: the service call.

    An invalid form is a 422 whose message `invalid` writes (a text, or a function of the form); a stale
    version a 409; any other refusal of the service (`refused`: 422) puts its errors on the form."""
    if form is not None and not form.is_valid():
        return Outcome(form, status=422, message=invalid if isinstance(invalid, str) else invalid(form))
    try:
        saved = save()
    except StaleVersionError as exc:
        return Outcome(form, status=409, message=str(exc), stale=True, error=exc)
    except (ValidationError, InvalidTransitionError) as exc:
        if form is not None:
            add_errors(form, exc)
        return Outcome(form, status=refused, message=error_text(exc), error=exc)
    return Outcome(form, saved=saved)


def _text(text: Text, outcome: Outcome) -> str:
    return text(outcome.saved) if callable(text) else text


def report(request: HttpRequest, outcome: Outcome, *, done: Text, failed: str = "") -> None:
    """A message of how the write went: `done` once saved, else `failed` before the reason."""
    if outcome.ok:
        messages.success(request, _text(done, outcome))
    else:
        messages.error(request, failed + outcome.message)


def action(request: HttpRequest, outcome: Outcome, *, done: Text, to: str, failed: str = "") -> HttpResponse:
    """A button's post: a message of how it went, and back to `to` whatever happened."""
    report(request, outcome, done=done, failed=failed)
    return redirect(to)


def page(
    request: HttpRequest, outcome: Outcome, *, done: Text, to: Text, stale_to: str = ""
) -> HttpResponse | None:
    """A form page's post: once saved a message and `to`; a stale version, or a refusal with no form to
    show it on, a message (and `stale_to`). None: the view shows its page again, with the form's errors
    beside their fields."""
    if outcome.ok:
        messages.success(request, _text(done, outcome))
        return redirect(_text(to, outcome))
    if outcome.stale or outcome.form is None:
        messages.error(request, outcome.message)
        if stale_to:
            return redirect(stale_to)
    return None


def row(
    request: HttpRequest,
    outcome: Outcome,
    *,
    shown: Callable[[], HttpResponse],
    to: str,
    done: Text,
    failed: str = "",
    trigger: str = "",
    page: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    """A row edited in place. With htmx: the row again (`shown`, rendered at `outcome.status`) and, once
    saved, `trigger` for the panels that summarise it. Without: a row with a page of its own shows it
    again (`page`) when refused; otherwise a message, and back to `to`."""
    if request.htmx:
        response = shown()
        if outcome.ok and trigger:
            response["HX-Trigger"] = trigger
        return response
    if page is not None and not outcome.ok:
        return page()
    return action(request, outcome, done=done, to=to, failed=failed)
