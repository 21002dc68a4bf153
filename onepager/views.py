from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from planning.views import step_tab


@login_required
def plan_tab(request: HttpRequest, plan_id: int) -> HttpResponse:
    return step_tab(request, plan_id, "onepager")
