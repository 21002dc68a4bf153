"""Step 2 over the API: the catalogue, assessments, the improvement roadmap and the ranked gaps."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from capabilities import selectors, services
from capabilities.models import (
    CRITICALITY_MESSAGE,
    MATURITY_MESSAGE,
    Capability,
    CapabilityAssessment,
    ImprovementAction,
)
from core import editing
from core.api import VersionedSerializer, VisibleRelatedField
from planning.api.content import PlanContentSerializer, PlanContentViewSet
from planning.models import Initiative, Plan


class CapabilitySerializer(VersionedSerializer):
    class Meta:
        model = Capability
        fields = ["id", "category", "name", "description", "active", "version"]


class CapabilityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The company's capability catalogue; company-level sales ops add, edit and retire entries."""

    serializer_class = CapabilitySerializer
    queryset = Capability.objects.order_by("category", "name")
    filterset_fields = ["category", "active"]

    def perform_create(self, serializer) -> None:
        values = editing.values(serializer.validated_data)
        serializer.instance = services.capability_create(actor=self.request.user, values=values)

    def perform_update(self, serializer) -> None:
        values = editing.values(serializer.validated_data)
        serializer.instance = services.capability_update(
            actor=self.request.user,
            capability=serializer.instance,
            version=serializer.validated_data["version"],
            values=values,
        )


def _level(high: int, message: str, **kwargs) -> serializers.IntegerField:
    errors = {"min_value": message, "max_value": message, "invalid": message}
    return serializers.IntegerField(min_value=1, max_value=high, error_messages=errors, **kwargs)


class AssessmentSerializer(PlanContentSerializer):
    capability = serializers.PrimaryKeyRelatedField(queryset=Capability.objects.all())
    maturity = _level(5, MATURITY_MESSAGE, help_text="1 initial … 5 optimizing")
    target_maturity = _level(5, MATURITY_MESSAGE)
    benchmark_maturity = _level(5, MATURITY_MESSAGE, required=False, allow_null=True)
    criticality = _level(4, CRITICALITY_MESSAGE, help_text="1 low, 2 medium, 3 high, 4 critical")
    assessor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    gap = serializers.IntegerField(read_only=True, help_text="target − current maturity (0 at or above it)")
    priority = serializers.IntegerField(read_only=True, help_text="gap × criticality (low 1 … critical 4)")
    unaddressed = serializers.SerializerMethodField(help_text="A high or critical gap with no funded action.")

    class Meta:
        model = CapabilityAssessment
        fields = [
            "id",
            "plan",
            "capability",
            "performance",
            "maturity",
            "target_maturity",
            "benchmark_maturity",
            "criticality",
            "evidence",
            "assessor",
            "assessed_on",
            "gap",
            "priority",
            "unaddressed",
            "version",
        ]
        read_only_fields = ["assessed_on"]

    def get_unaddressed(self, obj: CapabilityAssessment) -> bool:
        return selectors.assessment_is_unaddressed(obj)


class AssessmentViewSet(PlanContentViewSet):
    """Each plan's assessment of the catalogue: maturity now, target, benchmark, criticality, evidence."""

    slug = "assessments"

    def get_serializer_class(self):
        return AssessmentSerializer

    def get_queryset(self):
        return (
            CapabilityAssessment.objects.visible_to(self.request.user)
            .select_related("capability", "assessor")
            .prefetch_related("actions")
            .order_by("plan", "capability__category", "capability__name")
        )

    def _save(self, serializer, version: int | None) -> None:
        data = serializer.validated_data
        plan = data.get("plan") or serializer.instance.plan
        capability = data.get("capability") or serializer.instance.capability
        values = {k: v for k, v in data.items() if k not in ("version", "plan", "capability")}
        serializer.instance = services.assessment_save(
            actor=self.request.user, plan=plan, capability=capability, version=version, values=values
        )

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        if CapabilityAssessment.objects.filter(plan=data["plan"], capability=data["capability"]).exists():
            raise serializers.ValidationError(
                {"capability": "Already assessed in this plan; update that one."}
            )
        self._save(serializer, None)

    def perform_update(self, serializer) -> None:
        capability = serializer.validated_data.get("capability")
        if capability is not None and capability != serializer.instance.capability:
            raise serializers.ValidationError(
                {"capability": "An assessment cannot move to another capability."}
            )
        self._save(serializer, serializer.validated_data["version"])


# Registered with the roadmap's kind of content (capabilities.hooks): PlanContentViewSet reads it there.
ImprovementActionSerializer = type(
    "ImprovementActionSerializer",
    (PlanContentSerializer,),
    {
        "Meta": type(
            "Meta",
            (),
            {
                "model": ImprovementAction,
                "fields": [
                    "id",
                    "plan",
                    "assessment",
                    "title",
                    "owner",
                    "quarter",
                    "status",
                    "initiative",
                    "budget",
                    "version",
                ],
            },
        ),
        "assessment": VisibleRelatedField(queryset=CapabilityAssessment.objects.all()),
        "initiative": VisibleRelatedField(queryset=Initiative.objects.all(), allow_null=True, required=False),
    },
)


class ImprovementActionViewSet(PlanContentViewSet):
    """The improvement roadmap: actions that close capability gaps, with owner, quarter and budget."""

    slug = "actions"


GapSerializer = inline_serializer(
    "CapabilityGap",
    fields={
        "rank": serializers.IntegerField(),
        "assessment": serializers.IntegerField(),
        "capability": serializers.CharField(),
        "gap": serializers.IntegerField(),
        "criticality": serializers.IntegerField(),
        "priority": serializers.IntegerField(),
        "unaddressed": serializers.BooleanField(),
        "last_year_maturity": serializers.IntegerField(allow_null=True),
    },
    many=True,
)


class CapabilityGapsView(APIView):
    """A plan's gaps ranked by priority, with the unaddressed flag and last year's maturity."""

    @extend_schema(parameters=[OpenApiParameter("plan", int, required=True)], responses=GapSerializer)
    def get(self, request: Request) -> Response:
        plan_id = request.query_params.get("plan", "")
        if not plan_id.isdigit():
            raise serializers.ValidationError({"plan": "Give ?plan= with a plan id."})
        plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=int(plan_id))
        rows = selectors.assessment_list(plan)
        last_year = {r.capability.pk: r.last_year for r in selectors.assessment_sheet_get(plan, rows)}
        return Response(
            [
                {
                    "rank": rank,
                    "assessment": a.pk,
                    "capability": a.capability.name,
                    "gap": a.gap,
                    "criticality": a.criticality,
                    "priority": a.priority,
                    "unaddressed": selectors.assessment_is_unaddressed(a),
                    "last_year_maturity": last_year.get(a.capability_id),
                }
                for rank, a in enumerate(selectors.assessment_gaps_ranked(rows), start=1)
            ]
        )
