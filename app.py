"""The dashboard: ``solara run app.py`` (or ``territoire app``). The page lives in
territoire/app.py."""

from territoire.app import MODEL_PARAMS, Page  # noqa: F401
