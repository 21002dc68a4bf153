from django.apps import AppConfig


class OnepagerConfig(AppConfig):
    name = "onepager"
    verbose_name = "Step 5 · One-page strategy"
