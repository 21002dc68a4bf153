"""The targets over the API: the cascade grid, bottom-up submissions, and the actions and computed
views on a plan (cascade, phasing, capacity, traceability, bottom-up) that PlanViewSet mixes in."""

from decimal import Decimal

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core import tabular
from core.api import VersionedSerializer, VisibleRelatedField
from orgs.models import FiscalCalendar
from planning import bottom_up, capacity, cascade, grid, gridfile, services, traceability
from planning.models import (
    CascadeLevel,
    CascadeMethod,
    Plan,
    TargetAllocation,
    TargetSubmission,
    validate_months,
)

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
