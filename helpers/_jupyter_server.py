"""Jupyter server set-up for the course: explorer updates reach the browser without a 40 ms stall,
and without JupyterLab redrawing its kernel-status display for each of them.

Not a lesson, and nothing here runs in a learner's kernel. It is a Jupyter server extension:
``python -m helpers._jupyter_server`` enables it for the environment (a file in its
``etc/jupyter/jupyter_server_config.d/``, as JupyterLab itself is enabled), so every ``jupyter lab``
started from that environment loads it; ``jupyter server extension list`` shows it and
``jupyter server extension disable helpers._jupyter_server`` turns it off. ``make lab`` and
``make test`` run it after installing the package, Binder's ``postBuild`` too, and the README's
conda route lists it. (A package data file would not do: ``pip install -e .`` leaves data files
out.)

Why: jupyter_server (2.21) leaves Nagle's algorithm on for the kernel's websocket (tornado's
default, which its ``WebSocketHandler.set_nodelay`` documents). An explorer update sends the browser
a burst of small messages (``busy``, the ``echo_update`` of the control's value, ``idle``, then the
picture). The first leaves at once; TCP then holds the rest until the browser acknowledges it, and
the browser delays that acknowledgement by up to 40 ms (Linux's delayed ACK, on localhost too).
ipywidgets sends a control's next value only once ``idle`` has arrived, so every step of a slider
drag waited those 40 ms. Measured in headless Chromium on 2 cores (chapter 12's box explorer, a key
every 30 ms): the kernel sent ``idle`` about 1 ms after the value arrived and the browser received
it 40-50 ms later; with ``TCP_NODELAY`` it arrives within about 10 ms. ``bench/browser.py``
measures what a learner sees.

Second, explorer traffic does not count as kernel activity. The kernel wraps every message it
handles in ``busy`` and ``idle``, a widget's ``comm_msg`` too, and JupyterLab redraws its kernel
status (the toolbar's execution indicator, the status bar, the tab's busy icon) on each. A trace
of a step on chapter 08 showed the page's main thread busy for about 20 ms of the kernel's 35,
much of it that redrawing, on the same two cores the kernel draws on.
jupyter_server's ``MappingKernelManager.untracked_message_types`` is the switch JupyterLab reads for
this (message types whose ``busy``/``idle`` leave the displayed status alone); the extension adds
``comm_msg`` to it. Running a cell still shows busy; ipywidgets still sees every ``idle`` (it waits
for it before sending a control's next value). The price: moving a slider alone no longer counts as
kernel activity for an idle culler (running a cell still does). An A/B on
chapters 02 and 08 (5 explorers, 2 rounds, interleaved): the median from key to picture fell by
4.5-12.7 ms per explorer (mean of the rounds), mostly because the kernel got its core back (its
time per update 11-32 ms against 17-44 ms).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

__all__ = ["LowLatencyKernelConnection", "enable"]

#: How the environment's Jupyter server learns of this extension (the file :func:`enable` writes).
EXTENSION_CONFIG = {"ServerApp": {"jpserver_extensions": {"helpers._jupyter_server": True}}}
CONFIG_NAME = "pixels-to-deepsort.json"
#: Kernel messages whose ``busy``/``idle`` JupyterLab should not show: widget traffic.
UNTRACKED = ("comm_msg",)


class LowLatencyKernelConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's kernel websocket connection, with ``TCP_NODELAY`` on its socket.

    Everything else is jupyter_server's own (the class it uses by default).
    """

    def connect(self) -> asyncio.Future[None] | None:
        # KernelWebsocketHandler.open calls this once the websocket is open, so its stream exists;
        # from then on small kernel messages leave as soon as they are written.
        self.websocket_handler.set_nodelay(True)
        return super().connect()


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "helpers._jupyter_server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Serve kernel websockets through :class:`LowLatencyKernelConnection`, and add
    :data:`UNTRACKED` to the kernel manager's ``untracked_message_types``.

    Each only over jupyter_server's defaults: a kernel gateway's connection, a connection class
    someone configured (``ServerApp.kernel_websocket_connection_class``), or a list someone
    configured (``MappingKernelManager.untracked_message_types``) is left alone.
    """
    settings = serverapp.web_app.settings
    if settings.get("kernel_websocket_connection_class") is ZMQChannelsWebsocketConnection:
        settings["kernel_websocket_connection_class"] = LowLatencyKernelConnection
        serverapp.log.info("pixels-to-deepsort: kernel websockets send at once (TCP_NODELAY)")
    else:
        serverapp.log.info("pixels-to-deepsort: kernel websocket connection left as configured")
    manager = serverapp.kernel_manager
    trait = manager.traits().get("untracked_message_types")
    if trait is not None and list(manager.untracked_message_types) == list(trait.default()):
        untracked = [*manager.untracked_message_types, *UNTRACKED]
        manager.untracked_message_types = untracked
        # JupyterLab copies the list into its page config when it loads; extensions load by name,
        # so it usually does after this one, but if it came first its copy is updated here.
        page_config = settings.get("page_config_data", {})
        if "untracked_message_types" in page_config:
            page_config["untracked_message_types"] = list(untracked)
        serverapp.log.info("pixels-to-deepsort: widget messages leave the kernel status alone")
    else:
        serverapp.log.info("pixels-to-deepsort: untracked message types left as configured")


def enable(prefix: str | Path | None = None) -> Path:
    """Enable the extension for the environment at ``prefix`` (default: this one, ``sys.prefix``).

    Writes :data:`EXTENSION_CONFIG` to ``<prefix>/etc/jupyter/jupyter_server_config.d/`` and
    returns the file's path.
    """
    if prefix is None:
        prefix = sys.prefix
    if not isinstance(prefix, (str, Path)):
        raise TypeError(f"prefix must be a path (str or Path); got {type(prefix).__name__}")
    folder = Path(prefix) / "etc" / "jupyter" / "jupyter_server_config.d"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_NAME
    path.write_text(json.dumps(EXTENSION_CONFIG, indent=2) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"Jupyter server extension helpers._jupyter_server enabled: {enable()}")
