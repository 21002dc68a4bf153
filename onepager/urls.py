from django.urls import path

from onepager import pack_views, views

app_name = "onepager"

urlpatterns = [
    path("", views.plan_tab, name="plan"),
    path("pdf/", views.pdf, name="pdf"),
    # The quarterly review pack: its panel (the review page loads it), a build, the downloads.
    path("pack/<int:quarter>/", pack_views.panel, name="pack"),
    path("pack/<int:quarter>/build/", pack_views.build, name="pack-build"),
    path("pack/<int:quarter>.pdf", pack_views.download, {"kind": "pdf"}, name="pack-pdf"),
    path("pack/<int:quarter>.pptx", pack_views.download, {"kind": "pptx"}, name="pack-pptx"),
]
