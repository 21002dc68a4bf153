from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core: history and versioning"

    def ready(self) -> None:
        from core import security  # noqa: F401 (connects the sign-in signal receivers)
