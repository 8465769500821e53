"""``main.py`` with the realistic AWS layer (byok_desktop/aws/realism.py) on every AWS
connection it opens, so that a kill test can stop a job while it waits for AWS to become
consistent (a new role not yet visible to KMS, a replica still Creating). Against a moto
server, as the other kill tests:

    python -m tests.faults.realistic_main DELAY_S main.py-arguments...

DELAY_S: how long a new role stays invisible and a new replica stays Creating.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace

from byok_desktop.aws.connection import AwsConfig
from byok_desktop.aws.realism import Realism, RealisticAws
from byok_desktop.context import AppContext
from byok_desktop.credential_profiles import Profile


def run(argv: Sequence[str]) -> int:
    delay = float(argv[0])
    layer = RealisticAws(
        Realism.quick(principal_delay_s=delay, trust_delay_s=delay, replica_creating_s=delay)
    )
    original = AppContext.aws_config

    def aws_config(context: AppContext, profile: Profile) -> AwsConfig:
        return replace(original(context, profile), realism=layer)

    AppContext.aws_config = aws_config  # type: ignore[method-assign]
    import main

    return main.main(list(argv[1:]))


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
