"""Step 1 content over the API: objectives, strategies, initiatives, risks and sales targets, one
viewset each, and the version a delete names."""

from django.db.models import prefetch_related_objects
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import VersionedSerializer, VisibleRelatedField
from core.registry import ContentKind, registry
from orgs import permissions
from planning import content
from planning.kinds import KINDS, STEP1
from planning.models import LongTermGoal, Objective, Plan, Strategy

VERSION_PARAM = OpenApiParameter(
    "version", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True, description="The version you read."
)


def version_param(request: Request) -> int:
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


STEP1_SERIALIZERS = {  # registered with Step 1's kinds (planning.hooks)
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
        STEP1["initiatives"].model,
        ["title", "description", "owner", "start_quarter", "end_quarter", "status", "strategy", "objectives"],
        objectives=_links(Objective),
        strategy=VisibleRelatedField(queryset=Strategy.objects.all(), allow_null=True, required=False),
    ),
    "risks": _content_serializer(
        "RiskSerializer",
        STEP1["risks"].model,
        ["title", "likelihood", "impact", "score", "mitigation", "owner"],
        score=serializers.IntegerField(read_only=True, help_text="Likelihood × impact, 1–25."),
    ),
    "targets": _content_serializer(
        "SalesTargetSerializer",
        STEP1["targets"].model,
        ["name", "new_business", "expansion", "renewal", "total", "objectives"],
        objectives=_links(Objective),
        total=serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True),
    ),
}


def _split(data: dict) -> tuple[dict, dict]:
    values = {k: v for k, v in data.items() if k not in ("version", "plan")}
    m2m = {k: values.pop(k) for k in list(values) if k == "objectives"}
    return values, m2m


def _links_objectives(model) -> bool:
    return "objectives" in {f.name for f in model._meta.many_to_many}


class PlanContentViewSet(viewsets.ModelViewSet):
    """Shared by every kind of Step 1 record; `slug` picks the kind."""

    slug = ""
    filterset_fields = ["plan"]

    def get_serializer_class(self):
        return registry.get(ContentKind, self.slug).serializer

    def get_queryset(self):
        kind = KINDS[self.slug]
        qs = kind.model.objects.visible_to(self.request.user).order_by("plan", "pk")
        if _links_objectives(kind.model):
            qs = qs.prefetch_related("objectives")
        return qs

    def get_object(self):
        """The record of the URL by `permissions.visible_row`, with the list's rule (what the user may not
        see answers 404); the ORM's way rebuilds the restricted query on every request. A kind whose viewset
        reads its own queryset (assessments) keeps DRF's way."""
        if type(self).get_queryset is not PlanContentViewSet.get_queryset:
            return super().get_object()
        model = KINDS[self.slug].model
        instance = permissions.visible_row(model, self.request.user, self.kwargs["pk"])
        if instance is None:
            raise Http404(f"No {model._meta.object_name} matches the given query.")
        if _links_objectives(model):
            prefetch_related_objects([instance], "objectives")
        self.check_object_permissions(self.request, instance)
        return instance

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
        content.content_delete(actor=request.user, instance=self.get_object(), version=version_param(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _content_viewset(slug: str, doc: str) -> type:
    return type(
        f"{STEP1_SERIALIZERS[slug].__name__[:-10]}ViewSet",
        (PlanContentViewSet,),
        {"slug": slug, "__doc__": doc},
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
