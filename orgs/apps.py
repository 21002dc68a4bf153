from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "Organisation"

    def ready(self) -> None:
        from orgs import models

        request_started.connect(lambda **kwargs: models.request_scope(True), weak=False)
        request_finished.connect(lambda **kwargs: models.request_scope(False), weak=False)
        post_save.connect(models.forget_rules, sender=models.FiscalCalendar, weak=False)
        post_delete.connect(models.forget_rules, sender=models.FiscalCalendar, weak=False)
