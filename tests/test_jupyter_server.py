"""The course's Jupyter server extension (helpers/_jupyter_server.py): TCP_NODELAY on kernel
websockets, enabled per environment. tests/test_browser.py checks that the JupyterLab the tests
start has loaded it; bench/browser.py measures what it changes for a learner."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyter_server.extension.config import ExtensionConfigManager
from jupyter_server.extension.manager import ExtensionPackage
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from helpers import _jupyter_server as ext

ROOT = Path(__file__).resolve().parent.parent


def test_enable_writes_what_jupyter_server_reads_as_an_enabled_extension(tmp_path):
    path = ext.enable(tmp_path)
    assert path == tmp_path / "etc" / "jupyter" / "jupyter_server_config.d" / ext.CONFIG_NAME
    assert json.loads(path.read_text()) == ext.EXTENSION_CONFIG
    # jupyter_server's own reader of those folders (how it finds JupyterLab too).
    found = ExtensionConfigManager(read_config_path=[str(tmp_path / "etc" / "jupyter")])
    assert found.get_jpserver_extensions() == {"helpers._jupyter_server": True}
    assert ext.enable(tmp_path) == path  # again: same file, nothing else written
    assert [p.name for p in path.parent.iterdir()] == [ext.CONFIG_NAME]


def test_enable_refuses_a_prefix_that_is_not_a_path():
    with pytest.raises(TypeError, match=r"prefix must be a path \(str or Path\); got int"):
        ext.enable(3)


def test_jupyter_server_validates_the_extension():
    package = ExtensionPackage(name="helpers._jupyter_server", enabled=True)
    assert package.validate()
    assert package.extension_points["helpers._jupyter_server"].module is ext


def _server(connection_class=ZMQChannelsWebsocketConnection, **manager_config):
    messages = []
    app = SimpleNamespace(
        web_app=SimpleNamespace(settings={"kernel_websocket_connection_class": connection_class}),
        log=SimpleNamespace(info=messages.append),
        # jupyter_server's own kernel manager (the class ServerApp uses), not started.
        kernel_manager=AsyncMappingKernelManager(**manager_config),
    )
    return app, messages


def test_loading_replaces_only_jupyter_servers_default_connection():
    app, messages = _server(ZMQChannelsWebsocketConnection)
    ext._load_jupyter_server_extension(app)
    assert app.web_app.settings["kernel_websocket_connection_class"] \
        is ext.LowLatencyKernelConnection
    assert messages[0] == "pixels-to-deepsort: kernel websockets send at once (TCP_NODELAY)"

    class Gateway(ZMQChannelsWebsocketConnection):  # a gateway's or someone's own choice
        pass

    app, messages = _server(Gateway)
    ext._load_jupyter_server_extension(app)
    assert app.web_app.settings["kernel_websocket_connection_class"] is Gateway
    assert messages[0] == "pixels-to-deepsort: kernel websocket connection left as configured"


def test_loading_untracks_widget_messages_over_the_default_list():
    app, messages = _server()
    default = list(app.kernel_manager.untracked_message_types)
    assert "comm_msg" not in default and "status" in default
    ext._load_jupyter_server_extension(app)
    assert list(app.kernel_manager.untracked_message_types) == [*default, "comm_msg"]
    assert not app.kernel_manager.track_message_type("comm_msg")  # what its activity watch asks
    assert app.kernel_manager.track_message_type("execute_request")  # running a cell still shows
    assert messages[1] == "pixels-to-deepsort: widget messages leave the kernel status alone"
    ext._load_jupyter_server_extension(app)  # loaded twice: added once
    assert list(app.kernel_manager.untracked_message_types).count("comm_msg") == 1


def test_loading_leaves_a_configured_list_alone():
    app, messages = _server(untracked_message_types=["stream"])
    ext._load_jupyter_server_extension(app)
    assert list(app.kernel_manager.untracked_message_types) == ["stream"]
    assert messages[1] == "pixels-to-deepsort: untracked message types left as configured"


def test_loading_after_jupyterlab_updates_the_copy_in_its_page_config():
    app, _ = _server()
    # What jupyterlab_server does when it loads first: copies the kernel manager's list.
    app.web_app.settings["page_config_data"] = {
        "untracked_message_types": list(app.kernel_manager.untracked_message_types),
        "other": 1}
    ext._load_jupyter_server_extension(app)
    page_config = app.web_app.settings["page_config_data"]
    assert page_config["untracked_message_types"] == list(
        app.kernel_manager.untracked_message_types)
    assert "comm_msg" in page_config["untracked_message_types"] and page_config["other"] == 1


def test_connection_sets_nodelay_before_jupyter_servers_connect(monkeypatch):
    calls = []
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect",
                        lambda self: calls.append("connect") or "future")
    connection = ext.LowLatencyKernelConnection.__new__(ext.LowLatencyKernelConnection)
    # The websocket handler is a tornado handler in a live server; only set_nodelay is used.
    connection._trait_values["websocket_handler"] = SimpleNamespace(
        set_nodelay=lambda value: calls.append(("nodelay", value)))
    assert connection.connect() == "future"
    assert calls == [("nodelay", True), "connect"]


def test_every_way_of_setting_up_the_course_enables_it():
    command = "python -m helpers._jupyter_server"
    assert command in (ROOT / "postBuild").read_text()  # Binder
    readme = (ROOT / "README.md").read_text()
    conda = readme.split("**With conda instead**", 1)[1].split("```", 2)[1]
    assert command in conda and conda.index(command) < conda.index("jupyter lab")


@pytest.mark.parametrize("target", ("lab", "test", "setup", "setup-dev", "bench"))
def test_every_make_target_that_sets_up_enables_it(tmp_path, target):
    # Run make itself (a text check missed a prerequisite expanded before its variable existed).
    for file in ("Makefile", "pyproject.toml", "helpers/_jupyter_server.py",
                 *(p.name for p in ROOT.glob("requirements*.txt"))):
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_bytes((ROOT / file).read_bytes())
    out = subprocess.run(["make", "-n", target], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert ".venv/bin/python -m helpers._jupyter_server" in out.stdout
