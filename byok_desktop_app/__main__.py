"""``python -m byok_desktop_app``: the same as the ``byok-desktop`` command."""

from byok_desktop_app.launcher import run

run()
