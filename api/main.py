"""Entry point for uvicorn: `uvicorn --factory api.main:app_from_env`."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from signage.config import Settings
from signage.observability import configure_logging


def app_from_env() -> FastAPI:
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
