"""BYOK Desktop core: domain rules, storage, credentials, AWS and jobs.

This package never imports PySide6 or ``ui``; the Qt layer builds on it.
"""

__version__ = "0.1.0"
APP_NAME = "BYOK Desktop"
APP_ID = "byok-desktop"
