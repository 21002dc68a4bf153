"""API plumbing shared by every app: pagination, error mapping, schema of error responses."""

import copy
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import InvalidTransitionError, StaleVersionError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map the services' exceptions to HTTP: stale version and wrong state 409, validation 400."""
    if isinstance(exc, StaleVersionError):
        body = {"detail": str(exc), "code": "stale_version", "current_version": exc.current_version}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, InvalidTransitionError):
        return Response({"detail": str(exc), "code": "invalid_transition"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        exc = serializers.ValidationError(detail=serializers.as_serializer_error(exc))
    return drf_exception_handler(exc, context)


ErrorSerializer = inline_serializer(
    "Error",
    fields={"detail": serializers.CharField(), "code": serializers.CharField(required=False)},
)
ConflictSerializer = inline_serializer(
    "Conflict",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.ChoiceField(choices=["stale_version", "invalid_transition"]),
        "current_version": serializers.IntegerField(required=False),
    },
)
ValidationErrorSerializer = inline_serializer(
    "ValidationErrors",
    fields={
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
    },
)


class AutoSchema(SpectacularAutoSchema):
    """Documents the error responses every endpoint really returns, beside its success body."""

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        errors: dict[str, Any] = {"400": ValidationErrorSerializer, "404": ErrorSerializer}
        if self._requires_auth():
            errors["401"] = ErrorSerializer
            errors["403"] = ErrorSerializer
        if self.method in ("PUT", "PATCH", "DELETE") or (self.method == "POST" and "{" in self.path):
            errors["409"] = ConflictSerializer
        for code, serializer in errors.items():
            responses.setdefault(code, self._get_response_for_code(serializer, code, direction=direction))
        return responses

    def _requires_auth(self) -> bool:
        from rest_framework.permissions import AllowAny

        return not all(isinstance(p, AllowAny) for p in self.view.get_permissions())


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to another object, accepted only if the requesting user may see it.

    An id the user may not see is answered exactly like one that does not exist.
    """

    def get_queryset(self):
        return super().get_queryset().visible_to(self.context["request"].user)


def _has_children(field: serializers.Field) -> bool:
    return (
        isinstance(field, serializers.BaseSerializer)
        or hasattr(field, "child")
        or hasattr(field, "child_relation")
    )


class VersionedSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The version you read. Required on update; a stale version is refused with 409.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        """The fields DRF works out from the model, worked out once per class: DRF reads the model's options
        again for every serializer made (a sixth of an API retrieve's time), though they depend on the class
        alone. Each serializer still gets its own copy of each field (binding sets the copy's name and
        parent): a shallow one, as a field keeps no state of its own but what binding sets; a deep one where
        a field holds a child field bound to it (a list of references, a nested serializer)."""
        template = type(self).__dict__.get("_fields_template")
        if template is None:
            template = super().get_fields()
            type(self)._fields_template = template
        return {
            name: copy.deepcopy(field) if _has_children(field) else copy.copy(field)
            for name, field in template.items()
        }

    def validate(self, attrs: dict) -> dict:
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError(
                {"version": "Send the version you read, so that nobody's newer change is overwritten."}
            )
        return attrs
