from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "gpfed.health"
    label = "health"
    verbose_name = "Health"

    def ready(self):
        # Each log line a task writes on the worker carries the task's id (gpfed.logs).
        from gpfed.health import signals  # noqa: F401  (connects the receivers; Django is set up)
