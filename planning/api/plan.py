from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import VersionedSerializer, VisibleRelatedField
from core.models import AuditEntry
from orgs.models import OrgUnit
from planning import selectors, services
from planning.api.plan_actions import PlanStep1Actions
from planning.models import Plan, PlanRevision, SeasonalityProfile


class PlanSerializer(VersionedSerializer):
    org_unit = VisibleRelatedField(queryset=OrgUnit.objects.all())
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "org_unit",
            "org_unit_name",
            "fiscal_year",
            "status",
            "revision",
            "summary",
            "cascade_method",
            "cascade_level",
            "buffer_percent",
            "seasonality",
            "submitted_at",
            "approved_at",
            "approved_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "revision",
            "submitted_at",
            "approved_at",
            "approved_by",
            "cascade_method",
            "cascade_level",
            "buffer_percent",
            "seasonality",
        ]


class PlanUpdateSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(min_value=1)
    seasonality = VisibleRelatedField(
        queryset=SeasonalityProfile.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Plan
        fields = ["summary", "cascade_method", "cascade_level", "buffer_percent", "seasonality", "version"]


class TransitionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The plan version you reviewed.")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class PlanRevisionSerializer(serializers.ModelSerializer):
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = PlanRevision
        fields = ["number", "approved_at", "approved_by", "snapshot"]


class AuditEntrySerializer(serializers.ModelSerializer):
    object_type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "at",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "comment",
        ]


class PlanViewSet(
    PlanStep1Actions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Annual plans, one per org unit per fiscal year, and their review workflow."""

    serializer_class = PlanSerializer
    filterset_fields = ["fiscal_year", "status", "org_unit"]

    def get_queryset(self):
        return Plan.objects.visible_to(self.request.user).select_related("org_unit", "approved_by")

    def perform_create(self, serializer: PlanSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.plan_create(
            actor=self.request.user,
            org_unit=data["org_unit"],
            fiscal_year=data["fiscal_year"],
            summary=data.get("summary", ""),
        )

    @extend_schema(request=PlanUpdateSerializer, responses=PlanSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        plan = self.get_object()
        data = PlanUpdateSerializer(
            data=request.data, partial=kwargs.get("partial", False), context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "version" not in values:
            raise serializers.ValidationError({"version": "Send the version you read."})
        plan = services.plan_update(actor=request.user, plan=plan, **values)
        return Response(PlanSerializer(plan, context=self.get_serializer_context()).data)

    @extend_schema(request=PlanUpdateSerializer, responses=PlanSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def _transition(self, request: Request, name: str) -> Response:
        plan = self.get_object()
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_transition(actor=request.user, plan=plan, name=name, **data.validated_data)
        return Response(PlanSerializer(plan, context=self.get_serializer_context()).data)

    @extend_schema(request=TransitionSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Send a draft plan to review (sales leader of the unit)."""
        return self._transition(request, "submit")

    @extend_schema(request=TransitionSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Approve a plan in review (executive); it becomes read-only and its revision is frozen."""
        return self._transition(request, "approve")

    @extend_schema(request=TransitionSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: str) -> Response:
        """Return a plan in review to draft with a comment (executive)."""
        return self._transition(request, "send_back")

    @extend_schema(request=TransitionSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Reopen an approved plan as a new draft revision; the approved one stays readable."""
        return self._transition(request, "reopen")

    @extend_schema(responses=PlanRevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_fields=[])
    def revisions(self, request: Request, pk: str) -> Response:
        """Every approved revision of the plan, newest first, with its frozen content."""
        plan = self.get_object()
        return Response(PlanRevisionSerializer(plan.revisions.select_related("approved_by"), many=True).data)

    @extend_schema(responses=AuditEntrySerializer(many=True))
    @action(detail=True, methods=["get"], filterset_fields=[])
    def history(self, request: Request, pk: str) -> Response:
        """Every change to the plan and its content: who, when, before → after."""
        plan = self.get_object()
        page = self.paginate_queryset(selectors.plan_history(plan=plan))
        return self.get_paginated_response(AuditEntrySerializer(page, many=True).data)
