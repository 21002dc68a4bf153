from django_filters.rest_framework import DjangoFilterBackend


class ListFilterBackend(DjangoFilterBackend):
    """Query-string filters narrow lists only. DRF also runs them for a single object, building a FilterSet
    on every retrieve and update for nothing: a fifth of an API retrieve's time. Kept apart from core.api:
    DRF imports it while loading."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "detail", False):
            return queryset
        return super().filter_queryset(request, queryset, view)
