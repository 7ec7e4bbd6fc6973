"""`make run`: the main job on the embedded LocalStack, in one command.

Starts LocalStack unless ``LOCALSTACK_ENDPOINT`` names one, deploys the real
Terraform (idempotent: a second run changes nothing), then hands over to the
``fanout run`` command, which starts an execution, shows live progress and
prints the exact result.
"""

from __future__ import annotations

import argparse
import os
import sys

from emulation import deploy, lsctl

LOCAL_VARIABLES: dict[str, object] = {
    # The bucket only holds local run data; let `make clean`/destroy remove it.
    "force_destroy_bucket": True,
    # Every Lambda environment is a local process here: more children at once than
    # LocalStack starts in parallel (16) only adds memory, not speed.
    "map_max_concurrency": 16,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make run",
        description="Run the fan-out on the embedded LocalStack and print the exact answer.",
    )
    parser.add_argument("--size", type=int, default=1024, help="number of items (default 1024)")
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="further `fanout run` options")
    args = parser.parse_args(argv)

    try:
        endpoint = lsctl.start()
        outputs = deploy.apply(endpoint, LOCAL_VARIABLES)
    except (lsctl.LocalStackError, deploy.DeployError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    from fanout_cli.main import main as fanout_main

    code = fanout_main(
        [
            "run",
            "--size",
            str(args.size),
            "--state-machine-arn",
            str(outputs["state_machine_arn"]),
            *args.extra,
        ]
    )
    if not os.environ.get("LOCALSTACK_ENDPOINT"):
        print(
            f"LocalStack keeps running at {endpoint} for the next run; "
            "stop it with `make localstack-stop`.",
            file=sys.stderr,
        )
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
