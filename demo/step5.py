"""Step 5 of the demo: the executive downloads an approved plan's one-pager (the history records it), and
ANZ's Q3 review pack of FY2027 (the review that lowered two targets) is built, as the review page's
background build does, and downloaded by its leader."""

from django.http import HttpRequest, QueryDict

from onepager.models import PackBuild
from onepager.pack_build import pack_build_run
from onepager.pack_views import pack_response
from onepager.views import pdf_response
from planning.models import Plan


def seed(users: dict, plans: dict[str, Plan]) -> None:
    request = HttpRequest()
    request.method, request.user, request.GET = "GET", users["exec"], QueryDict("size=a4")
    pdf_response(request, Plan.objects.get(pk=plans["na-ent-east"].pk))
    review_pack(users, plans)


def review_pack(users: dict, plans: dict[str, Plan]) -> None:
    plan = Plan.objects.select_related("org_unit").get(org_unit=plans["apac-anz"].org_unit, fiscal_year=2027)
    build = PackBuild.objects.create(plan=plan, quarter=3, size="a4", requested_by=users["apac.leader"])
    pack_build_run(build.pk)
    request = HttpRequest()
    request.method, request.user, request.GET = "GET", users["apac.leader"], QueryDict("size=a4")
    pack_response(request, plan, 3, "pdf")
