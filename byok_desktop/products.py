"""BYOK-capable products and the product families that share a key."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class ProductFamily(Enum):
    """Products of one family on a site share one multi-Region key."""

    JIRA = "jira"
    CONFLUENCE = "confluence"

    @property
    def display_name(self) -> str:
        return "Jira family" if self is ProductFamily.JIRA else "Confluence"

    @property
    def in_sentence(self) -> str:
        """The family's name inside a sentence: "BYOK for the Jira family", "BYOK for
        Confluence"."""
        return "the Jira family" if self is ProductFamily.JIRA else "Confluence"

    @property
    def other(self) -> ProductFamily:
        return ProductFamily.CONFLUENCE if self is ProductFamily.JIRA else ProductFamily.JIRA


# BYOK for any Jira-family product covers every one of these on the site.
JIRA_FAMILY_COVERED = ("Jira Software", "Jira Work Management", "Jira Service Management")


class Product(Enum):
    JIRA_SOFTWARE = "jira-software"
    CONFLUENCE = "confluence"
    JIRA_SERVICE_MANAGEMENT = "jira-service-management"

    @property
    def display_name(self) -> str:
        return _NAMES[self]

    @property
    def family(self) -> ProductFamily:
        return ProductFamily.CONFLUENCE if self is Product.CONFLUENCE else ProductFamily.JIRA

    @property
    def early_access(self) -> bool:
        """JSM BYOK is only offered through an early access program (EAP)."""
        return self is Product.JIRA_SERVICE_MANAGEMENT

    @classmethod
    def parse(cls, value: str) -> Product:
        folded = value.strip().casefold()
        for product in cls:
            if folded in (product.value, product.display_name.casefold()):
                return product
        raise ValueError(value)


_NAMES = {
    Product.JIRA_SOFTWARE: "Jira Software",
    Product.CONFLUENCE: "Confluence",
    Product.JIRA_SERVICE_MANAGEMENT: "Jira Service Management",
}

PRODUCT_ORDER = (Product.JIRA_SOFTWARE, Product.CONFLUENCE, Product.JIRA_SERVICE_MANAGEMENT)


def families_of(products: Iterable[Product]) -> frozenset[ProductFamily]:
    return frozenset(p.family for p in products)


def sorted_products(products: Iterable[Product]) -> list[Product]:
    return sorted(products, key=PRODUCT_ORDER.index)


def encode_products(products: Iterable[Product]) -> str:
    """Stable text form for storage: codes in display order, comma separated."""
    return ",".join(p.value for p in sorted_products(products))


def decode_products(text: str) -> frozenset[Product]:
    return frozenset(Product(code) for code in text.split(",") if code)
