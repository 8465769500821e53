"""BYOK Desktop's Qt layer. Business rules live in ``byok_desktop``; this package shows them."""
