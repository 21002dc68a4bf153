"""Scenarios over the API, read only in this slice: the scenarios of the plans a user reads (filter by
?plan=), each with its outcomes computed by the plan's own functions (scenarios.outcomes)."""

from decimal import Decimal

from rest_framework import mixins, serializers, viewsets

from scenarios import selectors
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

    class Meta:
        model = Scenario
        fields = [
            "id",
            "plan",
            "name",
            "notes",
            "created_by",
            "base_version",
            "assumptions",
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


class ScenarioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What-if branches of the plans you read (?plan= for one plan's); one scenario with its outcomes:
    target and split, new business needed, ramped capacity and coverage per unit, budget by line."""

    filterset_fields = ["plan"]

    def get_queryset(self):
        return selectors.scenario_list(user=self.request.user)

    def get_serializer_class(self):
        return ScenarioDetailSerializer if self.action == "retrieve" else ScenarioSerializer
