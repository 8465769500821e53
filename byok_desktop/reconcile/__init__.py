"""Rebuild from AWS (``main.py reconcile``, *Rebuild from AWS…*): AWS is the truth.

:func:`plan` compares what the app made in an account with the local product records,
:func:`apply` repairs the local records only, and :func:`schedule_deletion` is the one
change in AWS, made only when a person types an unused key's ID."""

from byok_desktop.reconcile.aws_view import AwsKey, scan_keys
from byok_desktop.reconcile.deletion import DELETION_WINDOW_DAYS, NotDeleted, schedule_deletion
from byok_desktop.reconcile.differences import AwsFamily, Difference, Kind, Plan, apply, plan

__all__ = [
    "DELETION_WINDOW_DAYS",
    "AwsFamily",
    "AwsKey",
    "Difference",
    "Kind",
    "NotDeleted",
    "Plan",
    "apply",
    "plan",
    "scan_keys",
    "schedule_deletion",
]
