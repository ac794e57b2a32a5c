"""Freed memory goes back to the system (helpers._memory): after training, prediction, Grad-CAM
and each notebook cell."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import types

import pytest

from helpers import _memory

GLIBC = _memory._malloc_trim() is not None

_FRAGMENTED_HEAP = textwrap.dedent("""
    import re
    from helpers._memory import release_memory

    def rss_mb():
        return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024

    start = rss_mb()
    blocks = [bytearray(64 * 1024) for _ in range(1600)]  # 100 MB from the heap, not mmap
    last = blocks[-1]  # still in use: it pins the heap's top, so free() alone returns nothing
    del blocks
    freed = rss_mb()
    returned = release_memory()
    print(freed - start, freed - rss_mb(), returned)
""")


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_release_memory_returns_freed_pages_from_inside_the_heap():
    out = subprocess.run([sys.executable, "-c", _FRAGMENTED_HEAP], capture_output=True,
                         text=True, check=True, timeout=60).stdout.split()
    held, returned, flag = float(out[0]), float(out[1]), out[2]
    assert held > 80, f"the freed blocks should still be resident before the call; {held:.0f} MB"
    assert returned > 80 and flag == "True", f"only {returned:.0f} MB went back ({flag})"


def test_without_malloc_trim_nothing_happens(monkeypatch):
    monkeypatch.setattr(_memory, "_trim", None)
    assert _memory.release_memory() is False
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: 1 / 0))
    assert _memory.register_cell_hook() is False


def _shell(monkeypatch):
    from IPython.core.events import EventManager, available_events

    shell = types.SimpleNamespace()
    shell.events = EventManager(shell, available_events)
    monkeypatch.setitem(sys.modules, "IPython",
                        types.SimpleNamespace(get_ipython=lambda: shell))
    return shell


def test_a_notebook_gets_one_callback_that_releases_memory_after_each_cell(monkeypatch):
    shell = _shell(monkeypatch)
    calls = []
    monkeypatch.setattr(_memory, "_trim", lambda pad: calls.append(pad) or 1)
    assert _memory.register_cell_hook() and _memory.register_cell_hook()
    assert len(shell.events.callbacks["post_run_cell"]) == 1
    shell.events.trigger("post_run_cell", None)
    shell.events.trigger("post_run_cell", None)
    assert calls == [0, 0]


def test_a_reloaded_module_does_not_register_a_second_callback(monkeypatch):
    import importlib

    shell = _shell(monkeypatch)
    monkeypatch.setattr(_memory, "_trim", lambda pad: 0)
    _memory.register_cell_hook()
    reloaded = importlib.reload(_memory)
    try:
        reloaded._trim = lambda pad: 0
        reloaded.register_cell_hook()
        assert len(shell.events.callbacks["post_run_cell"]) == 1
    finally:
        importlib.reload(_memory)


def test_outside_ipython_nothing_is_registered_and_ipython_is_not_imported():
    code = "import sys, helpers; print('IPython' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    assert out == "False"


def test_import_helpers_in_a_kernel_registers_the_callback():
    code = textwrap.dedent("""
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        import helpers
        print(sum(getattr(cb, "__module__", "") == "helpers._memory"
                  for cb in shell.events.callbacks["post_run_cell"]))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    assert out == ("1" if GLIBC else "0")


def test_training_prediction_and_gradcam_release_memory(monkeypatch):
    torch = pytest.importorskip("torch")
    from torch import nn

    from helpers import gradcam
    from helpers.nets import training

    calls = []
    monkeypatch.setattr(_memory, "_trim", lambda pad: calls.append("trim") or 0)
    x, y = torch.randn(40, 2), torch.randint(0, 2, (40,))
    training.fit(nn.Linear(2, 2), (x, y), loss=nn.functional.cross_entropy, epochs=3, lr=0.1,
                 batch_size=16, progress=False)
    assert len(calls) == 4  # after each of the 3 epochs, and at the end
    training.predict(nn.Linear(2, 2), x)
    assert len(calls) == 5
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(4, 3))
    images = torch.rand(2, 3, 16, 16)
    gradcam.grad_cam(net, images, layer=net[0])
    gradcam.saliency_map(net, images)
    assert len(calls) == 7
