"""The bench's own helpers that talk to AWS APIs, with fakes of those APIs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bench.stack import GENERATION_VARIABLE, Stack, recycle_environments, stage_breakdown

pytestmark = pytest.mark.unit


class FakeLambda:
    def __init__(self, functions: dict[str, dict[str, str]]) -> None:
        self.variables = functions
        self.waited: list[str] = []

    def get_function_configuration(self, FunctionName: str) -> dict[str, Any]:
        return {"Environment": {"Variables": dict(self.variables[FunctionName])}}

    def update_function_configuration(self, FunctionName: str, Environment: dict[str, Any]) -> None:
        self.variables[FunctionName] = Environment["Variables"]

    def get_waiter(self, name: str) -> Any:
        assert name == "function_updated_v2"
        fake = self

        class Waiter:
            def wait(self, FunctionName: str, WaiterConfig: dict[str, int]) -> None:
                fake.waited.append(FunctionName)

        return Waiter()


def test_recycling_keeps_every_variable_and_changes_only_the_generation() -> None:
    # GIVEN two functions with their own environment variables
    fake = FakeLambda({"f-plan": {"RESULTS_BUCKET": "b"}, "f-compute": {"MAX_SIZE": "9"}})
    outputs = {"function_names": {"plan": "f-plan", "compute": "f-compute"}}
    stack = Stack("http://x", outputs, None, fake, None, None, 0.0)
    # WHEN recycled twice
    recycle_environments(stack)
    first = fake.variables["f-plan"][GENERATION_VARIABLE]
    recycle_environments(stack)
    # THEN each function keeps its variables, gets a new generation each time, and the
    # bench waited for every update to finish
    assert fake.variables["f-plan"]["RESULTS_BUCKET"] == "b"
    assert fake.variables["f-compute"]["MAX_SIZE"] == "9"
    assert fake.variables["f-plan"][GENERATION_VARIABLE] != first
    assert sorted(fake.waited) == ["f-compute", "f-compute", "f-plan", "f-plan"]


def test_stage_breakdown_reads_entered_and_exited_events() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def event(kind: str, name: str, seconds: float) -> dict[str, Any]:
        key = "stateEnteredEventDetails" if kind.endswith("Entered") else "stateExitedEventDetails"
        return {"type": kind, key: {"name": name}, "timestamp": t0 + timedelta(seconds=seconds)}

    events = [
        event("TaskStateEntered", "Plan", 0),
        event("TaskStateExited", "Plan", 1.5),
        event("MapStateEntered", "FanOut", 1.5),
        event("MapStateExited", "FanOut", 11.5),
    ]

    class Sfn:
        def get_paginator(self, name: str) -> Any:
            class Pages:
                def paginate(self, executionArn: str) -> list[dict[str, Any]]:
                    return [{"events": events[:2]}, {"events": events[2:]}]

            return Pages()

    assert stage_breakdown(Sfn(), "arn") == {"Plan": 1.5, "FanOut": 10.0}
