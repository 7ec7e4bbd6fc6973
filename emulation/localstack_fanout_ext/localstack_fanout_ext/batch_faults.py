"""Emulation-only controls of the Batch emulator, on LocalStack's internal route ``/_fanout/batch``.

Infrastructure failures (AWS Batch names them in the attempt's statusReason; a Spot reclaim or a
failed host reads "Host EC2 (instance i-...) terminated.", which AWS's CDK matches as
``Host EC2*`` for SPOT_INSTANCE_RECLAIMED) cannot happen on a laptop, so a test injects them::

    POST /_fanout/batch/faults   {"jobName": "chunk-*", "count": 1, "afterSeconds": 0.5,
                                  "statusReason": "..."}   (all but jobName optional)
    GET  /_fanout/batch/faults   -> the faults not yet used
    DELETE /_fanout/batch/faults -> forget them all

The next ``count`` attempts of jobs whose name matches ``jobName`` (exact, or prefix with a
trailing ``*``; ``jobQueue`` narrows by queue name) start RUNNING, and ``afterSeconds`` later
their host goes away: the process is killed and the attempt ends with no exit code and that
statusReason, so the job definition's retry strategy decides what follows.

    GET  /_fanout/batch/settings  -> {"stateSeconds": .., "resourceSeconds": .., "timeoutScale": ..}
    POST /_fanout/batch/settings  {"timeoutScale": 0.05}  -> the settings now in force

``timeoutScale`` multiplies ``attemptDurationSeconds`` (and the 30 s SIGKILL grace), so AWS's
60 s minimum timeout can run in 3 s; ``stateSeconds`` is the time a job spends in SUBMITTED and
in STARTING; ``resourceSeconds`` the time a compute environment or job queue spends CREATING,
UPDATING or DELETING.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

from localstack.http import Request, Response

from localstack_fanout_ext.batch_rules import glob_matches
from localstack_fanout_ext.batch_store import DEFAULT_SETTINGS, STORES

ROUTE = "/_fanout/batch"


def host_terminated_reason() -> str:
    return f"Host EC2 (instance i-{random.getrandbits(68):017x}) terminated."


@dataclass
class Fault:
    jobName: str
    count: int = 1
    afterSeconds: float = 0.0
    statusReason: str = ""
    jobQueue: str | None = None


_faults: list[Fault] = []
_lock = threading.Lock()


def add(fault: Fault) -> None:
    with _lock:
        _faults.append(fault)


def clear() -> None:
    with _lock:
        _faults.clear()


def arm(job_name: str, queue_name: str, stop: Any) -> None:
    """If a fault matches this attempt, stop it after the fault's delay (uses one count)."""
    with _lock:
        for fault in _faults:
            if glob_matches(fault.jobName, job_name) and (
                fault.jobQueue is None or fault.jobQueue == queue_name
            ):
                fault.count -= 1
                if fault.count <= 0:
                    _faults.remove(fault)
                break
        else:
            return
    reason = fault.statusReason or host_terminated_reason()
    timer = threading.Timer(
        fault.afterSeconds, stop.stop, args=(reason,), kwargs={"keep_exit_code": False}
    )
    timer.daemon = True
    timer.start()


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def faults_endpoint(request: Request, **_: Any) -> Response:
    if request.method == "DELETE":
        clear()
        return _json({"faults": []})
    if request.method == "POST":
        try:
            body = json.loads(request.get_data() or b"{}")
            fault = Fault(**body)
            if not fault.jobName or fault.count < 1 or fault.afterSeconds < 0:
                raise ValueError("jobName is required, count >= 1, afterSeconds >= 0")
        except (TypeError, ValueError) as e:
            return _json(
                {"error": f"invalid fault: {e}", "fields": list(Fault.__annotations__)}, 400
            )
        add(fault)
    with _lock:
        return _json({"faults": [asdict(f) for f in _faults]})


def settings_endpoint(request: Request, **_: Any) -> Response:
    if request.method == "POST":
        try:
            body = json.loads(request.get_data() or b"{}")
            unknown = set(body) - set(DEFAULT_SETTINGS)
            if unknown or any(float(v) < 0 for v in body.values()):
                raise ValueError(f"known settings: {sorted(DEFAULT_SETTINGS)}, each >= 0")
        except (TypeError, ValueError) as e:
            return _json({"error": f"invalid settings: {e}"}, 400)
        STORES.settings.update({k: float(v) for k, v in body.items()})
    if request.method == "DELETE":
        STORES.settings.update(DEFAULT_SETTINGS)
    return _json(dict(STORES.settings))


def register_routes() -> None:
    from localstack.services.edge import ROUTER

    ROUTER.add(f"{ROUTE}/faults", faults_endpoint, methods=["GET", "POST", "DELETE"])
    ROUTER.add(f"{ROUTE}/settings", settings_endpoint, methods=["GET", "POST", "DELETE"])
