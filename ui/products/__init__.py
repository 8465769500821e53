"""Security > BYOK encryption: the products view."""

from ui.products.page import ProductsPage

__all__ = ["ProductsPage"]
