"""Actions and computed views on a plan over the API (cascade, phasing, grid export and import, capacity,
traceability, bottom-up), mixed into PlanViewSet."""

from decimal import Decimal

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core import replica, tabular
from orgs.models import FiscalCalendar
from planning import bottom_up, capacity, cascade, grid, gridfile, services, traceability
from planning.api.targets import TargetAllocationSerializer
from planning.models import CascadeLevel, CascadeMethod


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
        periods = FiscalCalendar.current_rules().periods(plan.fiscal_year)
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
        with replica.reporting():
            data = gridfile.table(plan, grid.allocation_rows(plan), FiscalCalendar.current_rules())
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
            FiscalCalendar.current_rules(),
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
