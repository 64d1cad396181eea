"""Runs the collected tests in reverse order: ``pytest -p tests.reverse_order``.

A test that passes only after (or before) another one depends on state it does not
set up itself; running the suite backwards as well as forwards shows such tests.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.reverse()


def pytest_report_header() -> str:
    return "test order: reversed (tests.reverse_order)"
