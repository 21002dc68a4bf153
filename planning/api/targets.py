"""The targets over the API: the cascade grid's rows and bottom-up submissions."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import VersionedSerializer, VisibleRelatedField
from planning import bottom_up, grid
from planning.models import Plan, TargetAllocation, TargetSubmission, validate_months

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
