"""Long-term goals, seasonality profiles (with deriving one from actuals) and the company's planning
defaults over the API."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import editing
from core.api import VersionedSerializer, VisibleRelatedField
from orgs.models import OrgUnit
from planning import goals, seasonality
from planning.api.content import VERSION_PARAM, version_param
from planning.models import LongTermGoal, PlanningSettings, SeasonalityProfile, validate_profile_weights

# --- Long-term goals and seasonality profiles -----------------------------------------------------


class LongTermGoalSerializer(VersionedSerializer):
    org_unit = VisibleRelatedField(queryset=OrgUnit.objects.all())
    milestones = serializers.DictField(
        child=serializers.CharField(max_length=300, allow_blank=True),
        required=False,
        help_text='Milestone text by fiscal year, e.g. {"2028": "ARR $60M"}.',
    )

    class Meta:
        model = LongTermGoal
        fields = ["id", "org_unit", "title", "description", "start_year", "end_year", "milestones", "version"]


class LongTermGoalViewSet(viewsets.ModelViewSet):
    """3–10 year goals of org units, with a milestone per fiscal year."""

    serializer_class = LongTermGoalSerializer
    filterset_fields = ["org_unit"]

    def get_queryset(self):
        return LongTermGoal.objects.visible_with_ancestors(self.request.user).order_by("pk")

    def perform_create(self, serializer) -> None:
        values = {k: v for k, v in serializer.validated_data.items() if k not in ("version", "org_unit")}
        serializer.instance = goals.goal_create(
            actor=self.request.user, org_unit=serializer.validated_data["org_unit"], values=values
        )

    def perform_update(self, serializer) -> None:
        values = {k: v for k, v in serializer.validated_data.items() if k not in ("version", "org_unit")}
        if (
            serializer.validated_data.get("org_unit", serializer.instance.org_unit)
            != serializer.instance.org_unit
        ):
            raise serializers.ValidationError({"org_unit": "A goal cannot move to another unit."})
        serializer.instance = goals.goal_update(
            actor=self.request.user,
            goal=serializer.instance,
            version=serializer.validated_data["version"],
            values=values,
        )

    @extend_schema(parameters=[VERSION_PARAM])
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        goals.goal_delete(actor=request.user, goal=self.get_object(), version=version_param(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SeasonalityProfileSerializer(VersionedSerializer):
    org_unit = VisibleRelatedField(queryset=OrgUnit.objects.all())
    weights = serializers.ListField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100),
        min_length=12,
        max_length=12,
        required=False,
        help_text="12 percentages, January … December, summing to 100.",
    )

    class Meta:
        model = SeasonalityProfile
        fields = ["id", "org_unit", "name", "weights", "source", "note", "version"]
        read_only_fields = ["source"]

    def validate_weights(self, value: list) -> list[str]:
        weights = [str(w) for w in value]
        try:
            validate_profile_weights(weights)
        except Exception as exc:  # a Django ValidationError, reported on the field
            raise serializers.ValidationError(getattr(exc, "messages", [str(exc)])) from None
        return weights


class DeriveProfileSerializer(serializers.Serializer):
    org_unit = VisibleRelatedField(queryset=OrgUnit.objects.all())
    name = serializers.CharField(max_length=120)
    actuals = serializers.ListField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0),
        min_length=12,
        max_length=12,
        help_text="Prior-year actual revenue for January … December.",
    )


class SeasonalityProfileViewSet(viewsets.ModelViewSet):
    """Monthly seasonality profiles (by calendar month) that phase annual targets; kept by sales ops."""

    serializer_class = SeasonalityProfileSerializer
    filterset_fields = ["org_unit"]

    def get_queryset(self):
        return SeasonalityProfile.objects.visible_to(self.request.user).order_by("pk")

    def perform_create(self, serializer) -> None:
        values = {k: v for k, v in serializer.validated_data.items() if k not in ("version", "org_unit")}
        serializer.instance = seasonality.profile_create(
            actor=self.request.user, org_unit=serializer.validated_data["org_unit"], values=values
        )

    def perform_update(self, serializer) -> None:
        values = {k: v for k, v in serializer.validated_data.items() if k not in ("version", "org_unit")}
        serializer.instance = seasonality.profile_update(
            actor=self.request.user,
            profile=serializer.instance,
            version=serializer.validated_data["version"],
            values=values,
        )

    @extend_schema(parameters=[VERSION_PARAM])
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        seasonality.profile_delete(
            actor=request.user, profile=self.get_object(), version=version_param(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=DeriveProfileSerializer, responses={201: SeasonalityProfileSerializer})
    @action(detail=False, methods=["post"])
    def derive(self, request: Request) -> Response:
        """Create a profile from 12 prior-year monthly actuals: each month's share, summing to 100%."""
        data = DeriveProfileSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = seasonality.profile_values_from_actuals(data.validated_data["actuals"])
        profile = seasonality.profile_create(
            actor=request.user,
            org_unit=data.validated_data["org_unit"],
            values=values | {"name": data.validated_data["name"]},
        )
        return Response(self.get_serializer(profile).data, status=status.HTTP_201_CREATED)


class PlanningSettingsSerializer(VersionedSerializer):
    class Meta:
        model = PlanningSettings
        fields = ["default_buffer_percent", "move_approval_threshold", "healthy_pipeline_coverage", "version"]


class PlanningSettingsView(APIView):
    """Company planning defaults (one record): read by all, changed by company-level sales ops."""

    @extend_schema(responses=PlanningSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(PlanningSettingsSerializer(PlanningSettings.load()).data)

    @extend_schema(request=PlanningSettingsSerializer, responses=PlanningSettingsSerializer)
    def put(self, request: Request) -> Response:
        current = PlanningSettings.load()
        data = PlanningSettingsSerializer(current, data=request.data)
        data.is_valid(raise_exception=True)
        values = editing.values(data.validated_data)
        updated = seasonality.settings_update(
            actor=request.user, version=data.validated_data["version"], values=values
        )
        return Response(PlanningSettingsSerializer(updated).data)
