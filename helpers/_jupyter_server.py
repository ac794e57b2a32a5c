"""Jupyter server set-up for the course: kernel messages reach the browser without a 40 ms stall.

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
    """Serve kernel websockets through :class:`LowLatencyKernelConnection`.

    Only when the server uses jupyter_server's default local connection: a kernel gateway's, or a
    class someone configured (``ServerApp.kernel_websocket_connection_class``), is left alone.
    """
    settings = serverapp.web_app.settings
    if settings.get("kernel_websocket_connection_class") is ZMQChannelsWebsocketConnection:
        settings["kernel_websocket_connection_class"] = LowLatencyKernelConnection
        serverapp.log.info("pixels-to-deepsort: kernel websockets send at once (TCP_NODELAY)")
    else:
        serverapp.log.info("pixels-to-deepsort: kernel websocket connection left as configured")


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
