from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core: history and versioning"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import pre_save

        from core import receivers

        pre_save.connect(
            receivers.revoke_tokens_on_password_change,
            sender=get_user_model(),
            dispatch_uid="core-revoke-tokens",
        )
        user_logged_in.connect(receivers.remember_sign_in, dispatch_uid="core-remember-sign-in")
        user_login_failed.connect(receivers.log_failed_sign_in, dispatch_uid="core-log-failed-sign-in")
