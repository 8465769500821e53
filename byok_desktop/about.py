"""What Help > About tells: the versions of the app and the libraries it runs on, and
where its records are. Imports boto3 and SQLAlchemy, so call it off the GUI thread."""

from __future__ import annotations

import platform

from byok_desktop import APP_NAME, __version__


def library_versions() -> list[tuple[str, str]]:
    import boto3
    import botocore
    import sqlalchemy

    return [
        (APP_NAME, __version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("boto3", boto3.__version__),
        ("botocore", botocore.__version__),
        ("SQLAlchemy", sqlalchemy.__version__),
        ("System", f"{platform.system()} {platform.release()} ({platform.machine()})"),
    ]
