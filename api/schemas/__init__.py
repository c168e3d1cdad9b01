"""Wire models of §27, one module per area; `base` holds the camelCase conventions."""

from api.schemas.base import ApiModel, Page

__all__ = ["ApiModel", "Page"]
