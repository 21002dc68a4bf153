"""Scenarios over the API: the scenarios of the plans a user reads (filter by ?plan=), each with its
outcomes computed by the plan's own functions (scenarios.outcomes); branched, edited, deleted, refreshed
and promoted through scenarios.services, which hold every rule (who may, what is valid, what a conflict is).
The viewset only shapes the input and maps the services' exceptions as every other viewset does
(core.api.exception_handler: stale 409, invalid 400; PermissionDenied 403; unseen 404)."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ConflictSerializer, VisibleRelatedField
from planning.api.content import VERSION_PARAM, version_param
from planning.models import Plan
from scenarios import selectors, services
from scenarios.models import Scenario
from scenarios.outcomes import CapacityRow, SplitLine, outcomes

MONEY = {"max_digits": 20, "decimal_places": 2, "read_only": True}
RATIO = {"max_digits": 12, "decimal_places": 4, "read_only": True, "allow_null": True}


class ScenarioSplitLineSerializer(serializers.Serializer):
    kind = serializers.SerializerMethodField(help_text="unit or seller")
    recipient = serializers.SerializerMethodField(help_text="The child unit's or the seller's id.")
    name = serializers.SerializerMethodField()
    amount = serializers.DecimalField(**MONEY)
    months = serializers.ListField(
        child=serializers.DecimalField(**MONEY), help_text="Fiscal periods 1 … 12."
    )

    def get_kind(self, line: SplitLine) -> str:
        return "seller" if hasattr(line.recipient, "email") else "unit"

    def get_recipient(self, line: SplitLine) -> int | None:
        return line.recipient.pk

    def get_name(self, line: SplitLine) -> str:
        return str(line.recipient)


class ScenarioCapacityRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    headcount = serializers.IntegerField(read_only=True)
    seller_months = serializers.DecimalField(max_digits=12, decimal_places=4, read_only=True)
    capacity = serializers.DecimalField(**MONEY)
    target = serializers.DecimalField(**MONEY, allow_null=True)
    coverage = serializers.SerializerMethodField(help_text="Capacity ÷ target (null: no target).")

    def get_coverage(self, row: CapacityRow) -> Decimal | None:
        return row.coverage


class ScenarioBudgetLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(source="line_id", read_only=True)
    name = serializers.CharField(read_only=True)
    category = serializers.CharField(read_only=True)
    plan_amount = serializers.DecimalField(**MONEY)
    amount = serializers.DecimalField(**MONEY, help_text="After the scenario's drafted moves.")
    value_per_unit = serializers.DecimalField(**MONEY, allow_null=True)


class ScenarioOutcomesSerializer(serializers.Serializer):
    annual_target = serializers.DecimalField(**MONEY)
    buffer_percent = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)
    assigned = serializers.DecimalField(**MONEY, help_text="Annual target × (1 + buffer): what is split.")
    split_method = serializers.CharField(read_only=True)
    split_level = serializers.CharField(read_only=True)
    split_recomputed = serializers.BooleanField(
        read_only=True, help_text="False: the split is the plan's cascade grid as it stands."
    )
    split = ScenarioSplitLineSerializer(many=True, read_only=True)
    phasing = serializers.ListField(
        child=serializers.DecimalField(**MONEY), help_text="Fiscal periods 1 … 12."
    )
    new_business_needed = serializers.DecimalField(**MONEY, allow_null=True)
    churn_allowance = serializers.DecimalField(
        max_digits=6, decimal_places=2, read_only=True, allow_null=True
    )
    seller_months = serializers.DecimalField(max_digits=12, decimal_places=4, read_only=True)
    capacity = serializers.DecimalField(**MONEY)
    coverage = serializers.DecimalField(**RATIO)
    capacity_rows = ScenarioCapacityRowSerializer(many=True, read_only=True)
    budget_lines = ScenarioBudgetLineSerializer(many=True, read_only=True)
    budget_total = serializers.DecimalField(**MONEY)
    value_per_cost = serializers.DecimalField(**MONEY, allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class ScenarioSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    promoted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Scenario
        fields = [
            "id",
            "plan",
            "name",
            "notes",
            "created_by",
            "base_version",
            "base_policy_version",
            "assumptions",
            "promoted_at",
            "promoted_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ScenarioDetailSerializer(ScenarioSerializer):
    outcomes = serializers.SerializerMethodField()

    class Meta(ScenarioSerializer.Meta):
        fields = [*ScenarioSerializer.Meta.fields, "outcomes"]
        read_only_fields = fields

    def get_outcomes(self, scenario: Scenario) -> ScenarioOutcomesSerializer:
        return ScenarioOutcomesSerializer(outcomes(scenario)).data


ASSUMPTIONS_HELP = (
    "Only what differs from the plan (scenarios.schema lists the keys); checked by the service, each "
    "error naming its field, e.g. hires[0].start_month."
)


class ScenarioCreateSerializer(serializers.ModelSerializer):
    plan = VisibleRelatedField(queryset=Plan.objects.all(), help_text="A plan you read; you must edit it.")
    assumptions = serializers.JSONField(required=False, help_text=ASSUMPTIONS_HELP)

    class Meta:
        model = Scenario
        fields = ["plan", "name", "notes", "assumptions"]


class ScenarioUpdateSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The scenario version you read; a stale one is refused with 409."
    )
    assumptions = serializers.JSONField(required=False, help_text=f"Replaces them all. {ASSUMPTIONS_HELP}")

    class Meta:
        model = Scenario
        fields = ["version", "name", "notes", "assumptions"]


class ScenarioVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The scenario version you read; a stale one is refused with 409."
    )


class ScenarioChangeSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True, help_text="The assumption, e.g. buffer_percent.")
    label = serializers.CharField(read_only=True)
    plan = serializers.CharField(read_only=True, help_text="The plan's value before, in words.")
    scenario = serializers.CharField(read_only=True, help_text="The scenario's value, in words.")


class ScenarioPromotionSerializer(serializers.Serializer):
    changes = ScenarioChangeSerializer(many=True, read_only=True, help_text="What the promotion wrote.")
    scenario = ScenarioDetailSerializer(read_only=True, help_text="The scenario after: rebased on the plan.")


class ScenarioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What-if branches of the plans you read (?plan= for one plan's); one scenario with its outcomes:
    target and split, new business needed, ramped capacity and coverage per unit, budget by line. The
    plan's leaders branch, edit, delete, refresh and promote them; readers get 403, others 404."""

    filterset_fields = ["plan"]
    serializers_by_action = {
        "list": ScenarioSerializer,
        "create": ScenarioCreateSerializer,
        "update": ScenarioUpdateSerializer,
        "partial_update": ScenarioUpdateSerializer,
        "promote": ScenarioVersionSerializer,
        "refresh": ScenarioVersionSerializer,
    }

    def get_queryset(self):
        return selectors.scenario_list(user=self.request.user)

    def get_serializer_class(self):
        return self.serializers_by_action.get(self.action, ScenarioDetailSerializer)

    def _detail(self, scenario: Scenario) -> dict:
        """The scenario read afresh (with the joins the list has) and its outcomes."""
        scenario = self.get_queryset().get(pk=scenario.pk)
        return ScenarioDetailSerializer(scenario, context=self.get_serializer_context()).data

    @extend_schema(
        request=ScenarioCreateSerializer,
        responses={201: ScenarioDetailSerializer, 409: ConflictSerializer},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Branch a scenario from the plan as it is now (409 if the plan cannot be edited)."""
        data = ScenarioCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        scenario = services.scenario_create(actor=request.user, **data.validated_data)
        return Response(self._detail(scenario), status=status.HTTP_201_CREATED)

    @extend_schema(request=ScenarioUpdateSerializer, responses=ScenarioDetailSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        """Rename the scenario, change its notes or replace its assumptions."""
        scenario = self.get_object()
        data = ScenarioUpdateSerializer(
            data=request.data, partial=kwargs.get("partial", False), context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "version" not in values:
            raise serializers.ValidationError({"version": "Send the version you read."})
        scenario = services.scenario_update(actor=request.user, scenario=scenario, **values)
        return Response(self._detail(scenario))

    @extend_schema(request=ScenarioUpdateSerializer, responses=ScenarioDetailSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """Change only the fields sent (with the version you read)."""
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(parameters=[VERSION_PARAM])
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        """Delete the scenario; its last values stay in the plan's history."""
        services.scenario_delete(
            actor=request.user, scenario=self.get_object(), version=version_param(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _version(self, request: Request) -> int:
        data = ScenarioVersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data["version"]

    @extend_schema(request=ScenarioVersionSerializer, responses=ScenarioPromotionSerializer)
    @action(detail=True, methods=["post"], filterset_fields=[], pagination_class=None)
    def promote(self, request: Request, pk: str) -> Response:
        """Apply the scenario to its plan through the plan's own services, all or nothing; each history
        entry says `from scenario “name”`. Refused with 400, writing nothing, when the plan changed since
        the branch in a field the scenario sets (refresh, then promote again) or a change is not allowed."""
        scenario = self.get_object()
        changes = services.scenario_promote(
            actor=request.user, scenario=scenario, version=self._version(request)
        )
        body = {
            "changes": ScenarioChangeSerializer(changes, many=True).data,
            "scenario": self._detail(scenario),
        }
        return Response(body)

    @extend_schema(request=ScenarioVersionSerializer, responses=ScenarioDetailSerializer)
    @action(detail=True, methods=["post"], filterset_fields=[], pagination_class=None)
    def refresh(self, request: Request, pk: str) -> Response:
        """Rebase the scenario on the plan as it is now, keeping its assumptions."""
        scenario = self.get_object()
        scenario = services.scenario_refresh(
            actor=request.user, scenario=scenario, version=self._version(request)
        )
        return Response(self._detail(scenario))
