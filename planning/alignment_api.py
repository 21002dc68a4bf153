"""Step 1 over the API: plan content, long-term goals, seasonality profiles, planning defaults, the
cascade grid, bottom-up submissions, and the computed views (phasing, capacity, traceability)."""

from decimal import Decimal

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import editing, tabular
from core.api import VersionedSerializer, VisibleRelatedField
from orgs.models import FiscalCalendar, OrgUnit
from planning import (
    bottom_up,
    capacity,
    cascade,
    content,
    goals,
    grid,
    gridfile,
    seasonality,
    services,
    traceability,
)
from planning.kinds import KINDS
from planning.models import (
    CascadeLevel,
    CascadeMethod,
    LongTermGoal,
    Objective,
    Plan,
    PlanningSettings,
    SeasonalityProfile,
    Strategy,
    TargetAllocation,
    TargetSubmission,
    validate_months,
    validate_profile_weights,
)

VERSION_PARAM = OpenApiParameter(
    "version", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True, description="The version you read."
)


def _version_param(request: Request) -> int:
    value = request.query_params.get("version", "")
    if not value.isdigit():
        raise serializers.ValidationError({"version": "Send ?version= with the version you read."})
    return int(value)


# --- Plan content ---------------------------------------------------------------------------------


class PlanContentSerializer(VersionedSerializer):
    plan = VisibleRelatedField(queryset=Plan.objects.all())

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if self.instance is not None and "plan" in attrs and attrs["plan"].pk != self.instance.plan_id:
            raise serializers.ValidationError({"plan": "A record cannot move to another plan."})
        return attrs


def _links(model) -> serializers.ManyRelatedField:
    return VisibleRelatedField(queryset=model.objects.all(), many=True, required=False)


def _content_serializer(name: str, model: type, fields: list[str], **declared) -> type:
    meta = type(
        "Meta", (), {"model": model, "fields": ["id", "plan", *fields, "version", "created_at", "updated_at"]}
    )
    return type(name, (PlanContentSerializer,), {"Meta": meta, **declared})


SERIALIZERS = {
    "objectives": _content_serializer(
        "ObjectiveSerializer",
        Objective,
        ["title", "description", "weight", "long_term_goal"],
        long_term_goal=VisibleRelatedField(
            queryset=LongTermGoal.objects.all(), allow_null=True, required=False
        ),
    ),
    "strategies": _content_serializer(
        "StrategySerializer", Strategy, ["title", "description", "objectives"], objectives=_links(Objective)
    ),
    "initiatives": _content_serializer(
        "InitiativeSerializer",
        KINDS["initiatives"].model,
        ["title", "description", "owner", "start_quarter", "end_quarter", "status", "strategy", "objectives"],
        objectives=_links(Objective),
        strategy=VisibleRelatedField(queryset=Strategy.objects.all(), allow_null=True, required=False),
    ),
    "risks": _content_serializer(
        "RiskSerializer",
        KINDS["risks"].model,
        ["title", "likelihood", "impact", "score", "mitigation", "owner"],
        score=serializers.IntegerField(read_only=True, help_text="Likelihood × impact, 1–25."),
    ),
    "targets": _content_serializer(
        "SalesTargetSerializer",
        KINDS["targets"].model,
        ["name", "new_business", "expansion", "renewal", "total", "objectives"],
        objectives=_links(Objective),
        total=serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True),
    ),
}


def _split(data: dict) -> tuple[dict, dict]:
    values = {k: v for k, v in data.items() if k not in ("version", "plan")}
    m2m = {k: values.pop(k) for k in list(values) if k == "objectives"}
    return values, m2m


class PlanContentViewSet(viewsets.ModelViewSet):
    """Shared by every kind of Step 1 record; `slug` picks the kind."""

    slug = ""
    filterset_fields = ["plan"]

    def get_serializer_class(self):
        return SERIALIZERS[self.slug]

    def get_queryset(self):
        kind = KINDS[self.slug]
        qs = kind.model.objects.visible_to(self.request.user).order_by("plan", "pk")
        if "objectives" in {f.name for f in kind.model._meta.many_to_many}:
            qs = qs.prefetch_related("objectives")
        return qs

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        values, m2m = _split(data)
        serializer.instance = content.content_create(
            actor=self.request.user, plan=data["plan"], model=KINDS[self.slug].model, values=values, m2m=m2m
        )

    def perform_update(self, serializer) -> None:
        values, m2m = _split(serializer.validated_data)
        serializer.instance = content.content_update(
            actor=self.request.user,
            instance=serializer.instance,
            version=serializer.validated_data["version"],
            values=values,
            m2m=m2m,
        )

    @extend_schema(parameters=[VERSION_PARAM])
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        content.content_delete(
            actor=request.user, instance=self.get_object(), version=_version_param(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _content_viewset(slug: str, doc: str) -> type:
    return type(
        f"{SERIALIZERS[slug].__name__[:-10]}ViewSet", (PlanContentViewSet,), {"slug": slug, "__doc__": doc}
    )


ObjectiveViewSet = _content_viewset(
    "objectives", "Key business objectives of a plan, weighted, linked to long-term goals."
)
StrategyViewSet = _content_viewset("strategies", "How a plan reaches its objectives.")
InitiativeViewSet = _content_viewset(
    "initiatives", "What a plan does, by whom and when, toward which objectives."
)
RiskViewSet = _content_viewset("risks", "What could stop a plan: likelihood × impact, mitigation and owner.")
SalesTargetViewSet = _content_viewset(
    "targets", "A plan's revenue targets, split new business / expansion / renewal, traced to objectives."
)


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
        goals.goal_delete(actor=request.user, goal=self.get_object(), version=_version_param(request))
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
            actor=request.user, profile=self.get_object(), version=_version_param(request)
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
        fields = ["default_buffer_percent", "move_approval_threshold", "version"]


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


# --- The cascade grid and bottom-up submissions ---------------------------------------------------


class TargetAllocationSerializer(VersionedSerializer):
    code = serializers.CharField(read_only=True, help_text="The child unit's code or the seller's email.")
    name = serializers.CharField(source="recipient", read_only=True)
    months = serializers.ListField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0),
        min_length=12,
        max_length=12,
        help_text="Amounts for fiscal periods 1 … 12.",
    )
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    class Meta:
        model = TargetAllocation
        fields = ["id", "plan", "org_unit", "seller", "code", "name", "weight", "months", "amount", "version"]
        read_only_fields = ["plan", "org_unit", "seller"]


class TargetAllocationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Rows of a plan's cascade grid. Run the cascade (POST /plans/{id}/cascade/) to create them."""

    serializer_class = TargetAllocationSerializer
    filterset_fields = ["plan"]

    def get_queryset(self):
        return (
            TargetAllocation.objects.visible_to(self.request.user)
            .select_related("org_unit", "seller")
            .order_by("plan", "pk")
        )

    def perform_update(self, serializer) -> None:
        row = serializer.instance
        data = serializer.validated_data
        months = data.get("months", row.month_amounts)
        validate_months([str(m) for m in months])
        serializer.instance = grid.allocation_update(
            actor=self.request.user,
            allocation=row,
            version=data["version"],
            months=months,
            weight=data.get("weight", row.weight),
        )


class TargetSubmissionSerializer(VersionedSerializer):
    plan = VisibleRelatedField(queryset=Plan.objects.all())
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = TargetSubmission
        fields = [
            "id",
            "plan",
            "amount",
            "note",
            "status",
            "comment",
            "submitted_at",
            "decided_at",
            "decided_by",
            "version",
        ]
        read_only_fields = ["status", "comment", "submitted_at", "decided_at", "decided_by"]


class DecisionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TargetSubmissionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Bottom-up numbers: a unit enters and submits its own; the parent unit approves or sends it back."""

    serializer_class = TargetSubmissionSerializer
    filterset_fields = ["plan", "status"]

    def get_queryset(self):
        return (
            TargetSubmission.objects.visible_to(self.request.user).select_related("decided_by").order_by("pk")
        )

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        if TargetSubmission.objects.filter(plan=data["plan"]).exists():
            raise serializers.ValidationError(
                {"plan": "This plan already has a bottom-up number; update it."}
            )
        serializer.instance = bottom_up.submission_save(
            actor=self.request.user,
            plan=data["plan"],
            version=None,
            amount=data["amount"],
            note=data.get("note", ""),
        )

    def perform_update(self, serializer) -> None:
        row, data = serializer.instance, serializer.validated_data
        serializer.instance = bottom_up.submission_save(
            actor=self.request.user,
            plan=row.plan,
            version=data["version"],
            amount=data.get("amount", row.amount),
            note=data.get("note", row.note),
        )

    @extend_schema(request=DecisionSerializer, responses=TargetSubmissionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Send the unit's number to its parent unit for a decision."""
        submission = self.get_object()  # 404 for a number the user may not see, whatever the body
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = bottom_up.submission_submit(
            actor=request.user, submission=submission, version=data.validated_data["version"]
        )
        return Response(self.get_serializer(row).data)

    def _decide(self, request: Request, approve: bool) -> Response:
        submission = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = bottom_up.submission_decide(
            actor=request.user,
            submission=submission,
            version=data.validated_data["version"],
            approve=approve,
            comment=data.validated_data.get("comment", ""),
        )
        return Response(self.get_serializer(row).data)

    @extend_schema(request=DecisionSerializer, responses=TargetSubmissionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """The parent unit's sales leader approves the number; it rolls up into the parent's total."""
        return self._decide(request, True)

    @extend_schema(request=DecisionSerializer, responses=TargetSubmissionSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: str) -> Response:
        """The parent unit's sales leader returns the number with a comment."""
        return self._decide(request, False)


# --- Actions and computed views on a plan (mixed into PlanViewSet) --------------------------------


class CascadeSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The plan version you read.")
    cascade_method = serializers.ChoiceField(choices=CascadeMethod.choices)
    cascade_level = serializers.ChoiceField(choices=CascadeLevel.choices)
    buffer_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=200, required=False, allow_null=True
    )


class GridImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The grid as exported (.xlsx or .csv).")
    number_format = serializers.ChoiceField(
        choices=tabular.NUMBER_CHOICES,
        default=tabular.PLAIN.code,
        help_text="How the file writes numbers: plain 1234.50 (the default), or 1,234.50 or 1.234,50. "
        "Anything else is refused with the row, column and text.",
    )


MONEY = {"max_digits": 18, "decimal_places": 2}
PhasingSerializer = inline_serializer(
    "Phasing",
    fields={
        "target": serializers.DecimalField(**MONEY),
        "seasonality": serializers.CharField(allow_null=True),
        "periods": inline_serializer(
            "PhasedPeriod",
            fields={
                "period": serializers.IntegerField(),
                "quarter": serializers.IntegerField(),
                "month": serializers.DateField(),
                "amount": serializers.DecimalField(**MONEY),
            },
            many=True,
        ),
    },
)
CapacitySerializer = inline_serializer(
    "Capacity",
    fields={
        "rows": inline_serializer(
            "CapacityRow",
            fields={
                "org_unit": serializers.IntegerField(),
                "name": serializers.CharField(),
                "headcount": serializers.IntegerField(),
                "seller_months": serializers.DecimalField(max_digits=12, decimal_places=2),
                "capacity": serializers.DecimalField(**MONEY),
                "target": serializers.DecimalField(**MONEY, allow_null=True),
                "coverage": serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True),
            },
            many=True,
        ),
        "total": serializers.DictField(),
    },
)
TraceabilitySerializer = inline_serializer(
    "Traceability",
    fields={
        "orphan_targets": serializers.ListField(child=serializers.DictField()),
        "unfunded_objectives": serializers.ListField(child=serializers.DictField()),
    },
)
BottomUpSerializer = inline_serializer(
    "BottomUp",
    fields={
        "target": serializers.DecimalField(**MONEY),
        "top_down_total": serializers.DecimalField(**MONEY),
        "approved_total": serializers.DecimalField(**MONEY),
        "pending_total": serializers.DecimalField(**MONEY),
        "gap": serializers.DecimalField(**MONEY),
        "children": serializers.ListField(child=serializers.DictField()),
    },
)


def _capacity_row(row: capacity.CapacityRow) -> dict:
    return {
        "org_unit": row.unit.pk,
        "name": row.unit.name,
        "headcount": row.headcount,
        "seller_months": str(row.seller_months.quantize(Decimal("0.01"))),
        "capacity": str(row.capacity),
        "target": None if row.target is None else str(row.target),
        "coverage": None if row.coverage is None else str(row.coverage),
    }


class PlanStep1Actions:
    """Step 1 actions on /plans/{id}/, mixed into the plan viewset."""

    @extend_schema(request=CascadeSerializer, responses=TargetAllocationSerializer(many=True))
    @action(detail=True, methods=["post"], filterset_fields=[], pagination_class=None)
    def cascade(self, request: Request, pk: str) -> Response:
        """Split the plan's target × (1 + buffer) over child units or sellers; replaces the grid."""
        plan = self.get_object()
        data = CascadeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        cascade.cascade_run(
            actor=request.user,
            plan=plan,
            version=d["version"],
            method=d["cascade_method"],
            level=d["cascade_level"],
            buffer_percent=d.get("buffer_percent"),
        )
        return Response(TargetAllocationSerializer(grid.allocation_rows(plan), many=True).data)

    @extend_schema(responses=PhasingSerializer)
    @action(detail=True, methods=["get"], filterset_fields=[], pagination_class=None)
    def phasing(self, request: Request, pk: str) -> Response:
        """The plan's annual target over its 12 fiscal months by its seasonality profile."""
        plan = self.get_object()
        amounts = cascade.phasing(plan)
        periods = FiscalCalendar.load().rules.periods(plan.fiscal_year)
        return Response(
            {
                "target": str(sum(amounts, Decimal("0"))),
                "seasonality": plan.seasonality.name if plan.seasonality_id else None,
                "periods": [
                    {"period": p.period, "quarter": p.quarter, "month": p.start, "amount": str(a)}
                    for p, a in zip(periods, amounts, strict=True)
                ],
            }
        )

    @extend_schema(responses=CapacitySerializer)
    @action(detail=True, methods=["get"], filterset_fields=[], pagination_class=None)
    def capacity(self, request: Request, pk: str) -> Response:
        """Ramped seller capacity per child unit against the targets, with the coverage ratio."""
        rows, total = capacity.capacity(self.get_object())
        return Response({"rows": [_capacity_row(r) for r in rows], "total": _capacity_row(total)})

    @extend_schema(responses=TraceabilitySerializer)
    @action(detail=True, methods=["get"], filterset_fields=[], pagination_class=None)
    def traceability(self, request: Request, pk: str) -> Response:
        """Orphan targets (no objective) and unfunded objectives (nothing behind them)."""
        plan = self.get_object()
        return Response(
            {
                "orphan_targets": [{"id": t.pk, "name": t.name} for t in traceability.orphan_targets(plan)],
                "unfunded_objectives": [
                    {"id": o.pk, "title": o.title} for o in traceability.unfunded_objectives(plan)
                ],
            }
        )

    @extend_schema(responses=BottomUpSerializer)
    @action(detail=True, methods=["get"], url_path="bottom-up", filterset_fields=[], pagination_class=None)
    def bottom_up(self, request: Request, pk: str) -> Response:
        """Each child unit's own number beside its top-down share; approved numbers roll up."""
        result = bottom_up.bottom_up(self.get_object())
        return Response(
            {
                "target": str(result.target),
                "top_down_total": str(result.top_down_total),
                "approved_total": str(result.approved_total),
                "pending_total": str(result.pending_total),
                "gap": str(result.gap),
                "children": [
                    {
                        "org_unit": c.unit.pk,
                        "name": c.unit.name,
                        "plan": c.plan.pk if c.plan else None,
                        "top_down": None if c.top_down is None else str(c.top_down),
                        "submitted": str(c.submission.amount) if c.submission else None,
                        "status": c.submission.status if c.submission else None,
                        "gap": None if c.gap is None else str(c.gap),
                    }
                    for c in result.children
                ],
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("file_type", str, enum=["xlsx", "csv"], default="xlsx")],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    @action(detail=True, methods=["get"], url_path="target-grid", filterset_fields=[], pagination_class=None)
    def target_grid(self, request: Request, pk: str) -> HttpResponse:
        """The cascade grid as a spreadsheet (formula-like text neutralised)."""
        plan = self.get_object()
        file_type = request.query_params.get("file_type", "xlsx")
        if file_type not in ("xlsx", "csv"):
            raise serializers.ValidationError({"file_type": "Use xlsx or csv."})
        data = gridfile.table(plan, grid.allocation_rows(plan), FiscalCalendar.load().rules)
        body = (
            gridfile.to_csv(data)
            if file_type == "csv"
            else gridfile.to_xlsx(data, f"FY{plan.fiscal_year} targets")
        )
        response = HttpResponse(
            body,
            content_type="text/csv"
            if file_type == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{plan.org_unit.code}-FY{plan.fiscal_year}-targets.{file_type}"'
        )
        return response

    @extend_schema(
        request={"multipart/form-data": GridImportSerializer},
        responses=inline_serializer("GridImported", fields={"changed": serializers.IntegerField()}),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="target-grid/import",
        parser_classes=[MultiPartParser],
        filterset_fields=[],
        pagination_class=None,
    )
    def target_grid_import(self, request: Request, pk: str) -> Response:
        """Overwrite the grid's monthly amounts from a file; any bad row and nothing changes (400)."""
        plan = self.get_object()
        services.ensure_plan_editable(plan=plan, actor=request.user)  # refused before the file is read
        data = GridImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = gridfile.read_rows(
            data.validated_data["file"],
            FiscalCalendar.load().rules,
            plan.fiscal_year,
            number_format=data.validated_data["number_format"],
        )
        try:
            changed = grid.grid_import(actor=request.user, plan=plan, rows=rows)
        except grid.GridImportError as exc:
            errors = [{"row": e.line, "code": e.code, "message": e.message} for e in exc.errors]
            return Response(
                {"detail": "Nothing was imported.", "rows": errors}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response({"changed": changed})
