"""Step 3 over the API: budgets, lines, the append-only ledger of moves, spend and the report."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from budgets import selectors, services
from budgets.models import Budget, BudgetLine, Move
from capabilities.models import ImprovementAction
from core.api import VersionedSerializer, VisibleRelatedField
from planning.models import Initiative, Objective, Plan

MONEY = {"max_digits": 16, "decimal_places": 2}


class BudgetSerializer(VersionedSerializer):
    plan = VisibleRelatedField(queryset=Plan.objects.all())
    allocated = serializers.SerializerMethodField()

    class Meta:
        model = Budget
        fields = ["id", "plan", "total", "currency", "unallocated", "allocated", "version"]
        read_only_fields = ["unallocated"]

    def get_allocated(self, obj: Budget) -> Decimal:
        return obj.total - obj.unallocated


ReportSerializer = inline_serializer(
    "BudgetReport",
    fields={
        "moved": serializers.DecimalField(**MONEY),
        "moved_to_high_potential": serializers.DecimalField(**MONEY),
        "share_to_high_potential": serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True),
        "growth_funded": serializers.DecimalField(**MONEY),
        "value_per_unit_before": serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True),
        "value_per_unit_after": serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True),
        "problems": serializers.ListField(child=serializers.CharField()),
    },
)


class BudgetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """A plan's budget: the total, and the pool of what is not allocated to lines."""

    serializer_class = BudgetSerializer
    filterset_fields = ["plan"]

    def get_queryset(self):
        return Budget.objects.visible_to(self.request.user).order_by("pk")

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        if Budget.objects.filter(plan=data["plan"]).exists():
            raise serializers.ValidationError({"plan": "This plan already has a budget."})
        serializer.instance = services.budget_create(
            actor=self.request.user,
            plan=data["plan"],
            total=data["total"],
            currency=data.get("currency", "USD"),
        )

    def perform_update(self, serializer) -> None:
        budget, data = serializer.instance, serializer.validated_data
        serializer.instance = services.budget_update(
            actor=self.request.user,
            budget=budget,
            version=data["version"],
            total=data.get("total", budget.total),
            currency=data.get("currency", budget.currency),
        )

    @extend_schema(responses=ReportSerializer)
    @action(detail=True, methods=["get"], filterset_fields=[], pagination_class=None)
    def report(self, request: Request, pk: str) -> Response:
        """What the moves achieved, and any disagreement between balances, total and ledger."""
        budget = self.get_object()
        result = selectors.budget_report_get(budget, selectors.budget_lines_list(budget))
        figures = {
            "moved": result.moved,
            "moved_to_high_potential": result.moved_to_high,
            "share_to_high_potential": result.share_to_high,
            "growth_funded": result.growth_funded,
            "value_per_unit_before": result.value_before,
            "value_per_unit_after": result.value_after,
        }
        body = {
            k: None if v is None else f"{v:.{4 if k.startswith('share') else 2}f}" for k, v in figures.items()
        }
        return Response(body | {"problems": selectors.budget_check_list(budget)})


class BudgetLineSerializer(VersionedSerializer):
    budget = VisibleRelatedField(queryset=Budget.objects.all())
    objective = VisibleRelatedField(queryset=Objective.objects.all(), allow_null=True, required=False)
    initiative = VisibleRelatedField(queryset=Initiative.objects.all(), allow_null=True, required=False)
    improvement_action = VisibleRelatedField(
        queryset=ImprovementAction.objects.all(), allow_null=True, required=False
    )
    opening = serializers.DecimalField(
        **MONEY, min_value=0, required=False, write_only=True, help_text="On create: taken from the pool."
    )
    value_per_unit = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True
    )
    months = serializers.SerializerMethodField(help_text="Actual spend by fiscal month 1 … 12.")

    class Meta:
        model = BudgetLine
        fields = [
            "id",
            "budget",
            "name",
            "category",
            "growth",
            "objective",
            "expected_value",
            "initiative",
            "improvement_action",
            "amount",
            "baseline",
            "opening",
            "value_per_unit",
            "months",
            "version",
        ]
        read_only_fields = ["amount", "baseline"]

    def get_months(self, obj: BudgetLine) -> list[str]:
        months = ["0.00"] * 12
        for spend in obj.spend.all():
            months[spend.period - 1] = f"{spend.amount:.2f}"
        return months


class SpendSerializer(serializers.Serializer):
    months = serializers.ListField(
        child=serializers.DecimalField(**MONEY, min_value=0), min_length=12, max_length=12
    )


class BudgetLineViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Budget lines. Amounts change only through moves; a new line opens with money from the pool."""

    serializer_class = BudgetLineSerializer
    filterset_fields = ["budget", "category", "growth"]

    def get_queryset(self):
        return BudgetLine.objects.visible_to(self.request.user).prefetch_related("spend").order_by("pk")

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        budget, opening = data.pop("budget"), data.pop("opening", Decimal("0"))
        data.pop("version", None)
        serializer.instance = services.line_create(
            actor=self.request.user, budget=budget, values=data, opening=opening
        )

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        if data.pop("budget", serializer.instance.budget) != serializer.instance.budget:
            raise serializers.ValidationError({"budget": "A line cannot move to another budget."})
        data.pop("opening", None)
        serializer.instance = services.line_update(
            actor=self.request.user, line=serializer.instance, version=data.pop("version"), values=data
        )

    @extend_schema(request=SpendSerializer, responses=BudgetLineSerializer)
    @action(detail=True, methods=["put"], filterset_fields=[], pagination_class=None)
    def spend(self, request: Request, pk: str) -> Response:
        """Set the line's actual spend for fiscal months 1 … 12."""
        line = self.get_object()
        data = SpendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.spend_set(actor=request.user, line=line, months=data.validated_data["months"])
        return Response(self.get_serializer(self.get_queryset().get(pk=line.pk)).data)


class MoveSerializer(serializers.ModelSerializer):
    budget = VisibleRelatedField(queryset=Budget.objects.all())
    source = VisibleRelatedField(queryset=BudgetLine.objects.all(), allow_null=True, required=False)
    target = VisibleRelatedField(queryset=BudgetLine.objects.all(), allow_null=True, required=False)
    kind = serializers.ChoiceField(choices=["reallocate", "fund_growth", "deploy"])
    new_line_name = serializers.CharField(
        max_length=120,
        required=False,
        write_only=True,
        help_text="Deploy: create this growth line as the target.",
    )
    new_line_category = serializers.ChoiceField(
        choices=BudgetLine.Category.choices, required=False, write_only=True, default="programs"
    )
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Move
        fields = [
            "id",
            "budget",
            "kind",
            "source",
            "target",
            "amount",
            "reason",
            "new_line_name",
            "new_line_category",
            "status",
            "author",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "reverses",
        ]
        read_only_fields = ["status", "created_at", "decided_at", "decision_comment", "reverses"]


class MoveReadSerializer(MoveSerializer):
    kind = serializers.ChoiceField(choices=Move.Kind.choices, read_only=True)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class MoveViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The append-only reallocation ledger. Entries are never changed or deleted: a correction is a
    reversing entry, and a move above the threshold waits for an executive."""

    filterset_fields = ["budget", "status", "kind"]

    def get_serializer_class(self):
        return MoveSerializer if self.action == "create" else MoveReadSerializer

    def get_queryset(self):
        return (
            Move.objects.filter(budget__in=Budget.objects.visible_to(self.request.user))
            .select_related("author", "decided_by")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(responses={201: MoveReadSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = MoveSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        d = data.validated_data
        new_line = (
            {"name": d["new_line_name"], "category": d.get("new_line_category", "programs")}
            if d.get("new_line_name")
            else None
        )
        move = services.move_request(
            actor=request.user,
            budget=d["budget"],
            kind=d["kind"],
            source=d.get("source"),
            target=d.get("target"),
            amount=d["amount"],
            reason=d.get("reason", ""),
            new_line=new_line,
        )
        return Response(MoveReadSerializer(move).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CommentSerializer, responses=MoveReadSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """An executive approves a pending move; it posts now."""
        move = self.get_object()
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        move = services.move_approve(actor=request.user, move=move, **data.validated_data)
        return Response(MoveReadSerializer(move).data)

    @extend_schema(request=CommentSerializer, responses=MoveReadSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        """An executive rejects a pending move, saying why."""
        move = self.get_object()
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        move = services.move_reject(
            actor=request.user, move=move, comment=data.validated_data.get("comment", "")
        )
        return Response(MoveReadSerializer(move).data)

    @extend_schema(request=ReverseSerializer, responses={201: MoveReadSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str) -> Response:
        """Correct a posted move with a reversing entry."""
        move = self.get_object()  # 404 for a move the user may not see, whatever the body
        data = ReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reversal = services.move_reverse(actor=request.user, move=move, reason=data.validated_data["reason"])
        return Response(MoveReadSerializer(reversal).data, status=status.HTTP_201_CREATED)
