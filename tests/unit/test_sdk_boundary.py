"""The channel layer uses the SDK's public names only, and changes it in the listed places only (issue 17, item 3)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK_PACKAGES = ("botbuilder", "botframework", "msrest", "msal", "jsonpickle")
# "from botframework.connector.auth._connector_factory_impl import ..." or "import msrest._x":
# a module whose name starts with an underscore is the library's own business.
PRIVATE_IMPORT = re.compile(
    rf"^\s*(?:from|import)\s+((?:{'|'.join(SDK_PACKAGES)})(?:\.\w+)*\._\w+)", re.MULTILINE)


def sources() -> list[Path]:
    return sorted(path for folder in ("bot", "storage", "dialogs") for path in (ROOT / folder).rglob("*.py"))


def test_no_module_imports_a_private_module_of_the_sdk():
    offenders = [f"{path.relative_to(ROOT)}: {match.group(1)}" for path in sources()
                 for match in PRIVATE_IMPORT.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_check_sees_a_private_import():
    text = "from botframework.connector.auth._connector_factory_impl import _ConnectorFactoryImpl\n"
    assert PRIVATE_IMPORT.search(text) is not None
    assert PRIVATE_IMPORT.search("from botframework.connector.auth import ConnectorFactory\n") is None


@pytest.mark.parametrize("name", ["connector_sends", "sdk_fixes_retry", "sdk_fixes_memory", "model_reader",
                                  "model_serializer", "sdk_fixes_copy"])
def test_what_was_dropped_stays_dropped(name):
    """The re-implemented send path and two process-wide patches are gone (docs/architecture.md)."""
    import bot.teams.sdk_fixes as fixes

    if name in ("connector_sends", "model_reader", "model_serializer"):
        assert not list(ROOT.glob(f"bot/**/{name}.py"))
    elif name == "sdk_fixes_copy":
        assert not hasattr(fixes, "copy_replies_shallowly")
    elif name == "sdk_fixes_retry":
        assert not hasattr(fixes, "speed_up_retry_policy")
    else:
        assert not hasattr(fixes, "build_dialog_memory_when_asked")


def test_creating_the_adapter_patches_only_what_sdk_fixes_lists():
    """msrest's retry policy, the dialog context, BotState's save and the reply copy stay the SDK's own."""
    import copy

    from botbuilder.core import BotState, turn_context
    from botbuilder.dialogs import DialogContext
    from msrest.universal_http.requests import ClientRetryPolicy

    from bot.config import load_settings
    from bot.teams.adapter import create_adapter
    from bot.teams.connector_http import ConnectorHttp
    from bot.teams.connector_pool import ConnectorPool

    create_adapter(load_settings({}, env_file=None), ConnectorPool(ConnectorHttp()))
    assert type(ClientRetryPolicy.safe_codes) is list
    assert not isinstance(DialogContext.__dict__.get("state"), property)
    assert BotState.save_changes.__module__ == "botbuilder.core.bot_state"
    assert turn_context.deepcopy is copy.deepcopy  # replies are copied as the SDK copies them
