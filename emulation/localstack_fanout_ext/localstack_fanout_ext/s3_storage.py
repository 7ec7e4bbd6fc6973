"""Keep this LocalStack's S3 object data in its own folder.

LocalStack community keeps object bodies under a fixed path, ``/tmp/localstack-s3-storage/
<bucket>`` (``DEFAULT_S3_TMP_DIR`` in ``localstack.services.s3.provider``), whatever TMPDIR
says. Every LocalStack on a machine then shares that folder, and since all of them use account
000000000000, deployments of the same Terraform get the same bucket names: one LocalStack
deleting its bucket deletes the other's objects (a run on the other then fails with
``InternalError ... No such file or directory`` on PutObject). The folder follows TMPDIR
instead, which ``emulation.lsctl`` sets per instance. The provider reads the constant when it
is created, on the first S3 request, after this ``on_infra_start`` hook.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)
FOLDER = "localstack-s3-storage"


@hooks.on_infra_start(name="fanout_s3_storage")
def use_own_s3_storage() -> None:
    from localstack.services.s3 import provider

    folder = Path(tempfile.gettempdir()) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    provider.DEFAULT_S3_TMP_DIR = str(folder)
    LOG.info("S3 object data kept in %s", folder)
