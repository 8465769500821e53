"""Credentials section: AWS credential profiles, their secrets in the OS keyring."""

from ui.credentials.page import CredentialsPage

__all__ = ["CredentialsPage"]
