"""This LocalStack keeps its S3 objects in its own folder, never in the folder every LocalStack
on the machine shares (emulation/localstack_fanout_ext/localstack_fanout_ext/s3_storage.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from emulation import lsctl

# LocalStack community's fixed S3 storage folder (DEFAULT_S3_TMP_DIR in
# localstack/services/s3/provider.py of localstack-core 2026.3.0).
SHARED_FOLDER = Path("/tmp/localstack-s3-storage")


def test_objects_live_under_this_instances_own_folder(clients: dict[str, Any], bucket: str) -> None:
    if os.environ.get("LOCALSTACK_ENDPOINT"):
        pytest.skip("needs the LocalStack this project starts (LOCALSTACK_ENDPOINT is set)")
    # GIVEN an object stored in a fresh bucket, larger than the 512 KiB LocalStack keeps in
    # memory (S3_MAX_FILE_SIZE_BYTES), as the partials of large runs are
    body = b"x" * (1024 * 1024)
    clients["s3"].put_object(Bucket=bucket, Key="k", Body=body)
    # THEN its data is a file LocalStack holds open in this instance's TMPDIR (set by lsctl),
    # not in the shared folder (the file is unlinked at creation: only /proc shows it)
    pid = lsctl.localstack_pid()
    assert pid is not None
    own = lsctl.run_dir(lsctl.default_port()) / "tmp" / SHARED_FOLDER.name / bucket
    held = [str(fd.readlink()) for fd in Path(f"/proc/{pid}/fd").iterdir() if fd.is_symlink()]
    assert [f for f in held if f.startswith(f"{own}/")], f"no open object file under {own}"
    assert not [f for f in held if f.startswith(f"{SHARED_FOLDER / bucket}/")]
    # AND the object reads back whole
    assert clients["s3"].get_object(Bucket=bucket, Key="k")["Body"].read() == body
