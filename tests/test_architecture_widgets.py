"""Explorers and exercise checks of chapters 10 and 11, driven from Python; their figures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import architecture as arch
from helpers.checks import check_conv_layer_cost, check_receptive_field, check_residual_forward
from helpers.widgets.architecture import (
    ArchitectureExplorer,
    CompoundScalingExplorer,
    SeparableCostExplorer,
    compound_scaling_explorer,
    separable_cost_explorer,
)

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def tables():
    from helpers.nets.zoo import network_tables

    return network_tables(["LeNet-5", "AlexNet", "VGG-16", "ResNet-18"])


# -- explorers -------------------------------------------------------------------------------------
def test_architecture_explorer_switches_networks(tables):
    from helpers.widgets.architecture import architecture_explorer

    ex = architecture_explorer(tables, network="VGG-16")
    assert ex.result["network"] == "VGG-16" and ex.result["parameters"] == 138_357_544
    assert "13 convolution, 3 fully connected" in ex.readout.value
    first = ex.image.value
    ex.controls["network"].value = "LeNet-5"
    assert ex.result["parameters"] == 61_706 and ex.result["layers"] == 5
    assert ex.error is None and ex.image.value != first
    assert "LeNet-5" in ex.readout.value and "<table>" in ex.readout.value
    assert ex.result["table"] is tables["LeNet-5"]


def test_architecture_explorer_bad_input(tables):
    from helpers.widgets.architecture import architecture_explorer

    with pytest.raises(TypeError, match="tables must be a non-empty dict"):
        architecture_explorer({})
    with pytest.raises(TypeError, match="must be a layer_table DataFrame"):
        architecture_explorer({"x": [1, 2]})
    with pytest.raises(ValueError, match="network must be one of"):
        architecture_explorer(tables, network="VGG-19")
    with pytest.raises(TypeError, match="tables must be a non-empty dict"):
        ArchitectureExplorer(3)
    with pytest.raises(ValueError, match="n must be an integer >= 0"):
        architecture_explorer(tables).bench_changes(-1)


def test_separable_explorer_matches_the_formula():
    ex = separable_cost_explorer(c_in=32, c_out=64, f=3, size=112)
    assert math.isclose(ex.result["macs_ratio"], 1 / 64 + 1 / 9)
    ex.set(c_out=256, f=5)
    expected = arch.separable_conv_cost(32, 256, 5, 112)
    assert ex.result["separable_macs"] == expected["separable_macs"]
    assert math.isclose(ex.result["formula"], 1 / 256 + 1 / 25)
    assert "fewer MACs" in ex.readout.value
    ex.controls["f"].value = 1
    assert ex.result["macs_ratio"] > 1 and "nothing to save" in ex.readout.value
    for name, value in ex.bench_changes(8):
        ex.controls[name].value = value
        assert ex.error is None


def test_separable_explorer_bad_input():
    with pytest.raises(ValueError, match="c_in must be an integer >= 1"):
        separable_cost_explorer(c_in=0)
    with pytest.raises(ValueError, match="c_in must be an integer >= 1 and <= 1024; got 4096"):
        separable_cost_explorer(c_in=4096)
    with pytest.raises(TypeError, match="f must be one of 1, 3, 5, 7, 9"):
        separable_cost_explorer(f="3")
    with pytest.raises(ValueError, match="size must be an integer >= 1 and <= 224"):
        SeparableCostExplorer(32, 64, 3, 10**9)  # the class checks as its factory does
    with pytest.raises(TypeError, match="n must be an integer"):
        separable_cost_explorer().bench_changes(None)


def test_compound_explorer_follows_the_helpers():
    ex = compound_scaling_explorer()
    s = arch.compound_scaling(1.0)
    assert math.isclose(ex.result["depth"], s["depth"]) and ex.result["resolution_px"] == 258
    ex.set(phi=3.0, alpha=1.0, beta=1.0)
    assert math.isclose(ex.result["flops"], 1.15 ** 6)
    cost = arch.efficientnet_cost(1.0, 1.0, round(224 * 1.15 ** 3))
    assert ex.result["cost"]["macs"] == cost["macs"]
    assert f"{cost['macs']:,}" in ex.readout.value
    for name, value in ex.bench_changes(12):     # every corner of the sliders computes
        ex.controls[name].value = value
        assert ex.error is None, ex.error
    ex.set(phi=6.0, alpha=1.4, beta=1.4, gamma=1.4)
    assert ex.error is None and ex.result["cost"]["blocks"] > 16


def test_compound_explorer_bad_input():
    with pytest.raises(ValueError, match="alpha must be >= 1"):
        compound_scaling_explorer(alpha=0.9)
    with pytest.raises(ValueError, match="phi must be >= 0 and <= 6; got 8.0"):
        compound_scaling_explorer(phi=8)
    with pytest.raises(ValueError, match="gamma must be finite"):
        CompoundScalingExplorer(1.0, 1.2, 1.1, float("inf"))
    with pytest.raises(ValueError, match="phi must be finite"):
        compound_scaling_explorer(phi=float("nan"))


def test_explorers_are_registered_for_the_bench():
    from helpers.widgets import BENCH_FACTORIES, load_all

    load_all()
    assert {"architecture", "separable_cost", "compound_scaling"} <= set(BENCH_FACTORIES)


# -- checks ----------------------------------------------------------------------------------------
def good_cost(input_shape, c_out, f, stride=1, padding=0, groups=1):
    c_in, h, w = input_shape
    h_out, w_out = (h + 2 * padding - f) // stride + 1, (w + 2 * padding - f) // stride + 1
    per_filter = c_in // groups * f * f
    return (c_out, h_out, w_out), c_out * per_filter + c_out, h_out * w_out * c_out * per_filter


def test_check_conv_layer_cost():
    assert check_conv_layer_cost(good_cost).passed

    def ignores_groups(input_shape, c_out, f, stride=1, padding=0, groups=1):
        return good_cost(input_shape, c_out, f, stride, padding, 1)

    result = check_conv_layer_cost(ignores_groups)
    assert result.status == "failed" and "groups=2" in result.message

    def stub(*args, **kwargs):
        raise NotImplementedError

    assert check_conv_layer_cost(stub).status == "not attempted"


def test_check_receptive_field():
    def good(kernels, strides):
        out, r, j = [], 1, 1
        for f, s in zip(kernels, strides, strict=True):
            r, j = r + (f - 1) * j, j * s
            out.append(r)
        return out

    assert check_receptive_field(good).passed

    def forgets_strides(kernels, strides):
        return list(np.cumsum(np.array(kernels) - 1) + 1)

    result = check_receptive_field(forgets_strides)
    assert result.status == "failed" and "pool" in result.message
    assert check_receptive_field(lambda k, s: (_ for _ in ()).throw(NotImplementedError)).status \
        == "not attempted"


def test_check_residual_forward():
    def good(x, block):
        out = torch.relu(block.bn1(block.conv1(x)))
        return torch.relu(block.bn2(block.conv2(out)) + block.shortcut(x))

    assert check_residual_forward(good).passed

    def no_shortcut_projection(x, block):
        out = torch.relu(block.bn1(block.conv1(x)))
        return torch.relu(block.bn2(block.conv2(out)) + x)

    result = check_residual_forward(no_shortcut_projection)
    assert result.status == "error" and "projection" in result.message

    def relu_before_sum(x, block):
        out = torch.relu(block.bn1(block.conv1(x)))
        return torch.relu(block.bn2(block.conv2(out))) + block.shortcut(x)

    result = check_residual_forward(relu_before_sum)
    assert result.status == "failed" and "identity shortcut" in result.message

    def stub(x, block):
        raise NotImplementedError

    assert check_residual_forward(stub).status == "not attempted"
    assert check_residual_forward("residual_forward").status == "error"


# -- figures ---------------------------------------------------------------------------------------
def test_figures_draw_and_refuse_bad_input(tables):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers import architecture_plots as ap

    fig = ap.plot_network(tables["AlexNet"], title="AlexNet", new={"ReLU": "ReLU"})
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "96x55x55" in texts and "LRN" in texts
    plt.close(fig)
    fig = ap.plot_network(tables["ResNet-18"], group=1)
    assert any(t.get_text().startswith("layer1") for t in fig.axes[0].texts)
    plt.close(fig)
    for fig in (ap.plot_layer_costs(tables["VGG-16"]), ap.plot_block(list(ap.BLOCK_DIAGRAMS)),
                ap.plot_compound_scaling(2), ap.plot_receptive_field(["a", "b"], [3, 5]),
                ap.plot_gradient_norms({"x": [1.0, 0.1]})):
        plt.close(fig)
    with pytest.raises(TypeError, match="table must be a DataFrame"):
        ap.plot_network([1, 2, 3])
    with pytest.raises(ValueError, match="name must be one of"):
        ap.plot_block("resnet")
    with pytest.raises(ValueError, match="labels must have one entry per size"):
        ap.plot_receptive_field(["a"], [3, 5])
    with pytest.raises(TypeError, match="name must be a diagram name or a list"):
        ap.plot_block(None)
    with pytest.raises(TypeError, match=r"size must be a \(width, height\) pair"):
        ap.plot_block("plain", size=(4.0,))
    with pytest.raises(TypeError, match=r"labels\[1\] must be a str"):
        ap.plot_receptive_field(["a", 2], [3, 5])
    with pytest.raises(ValueError, match="sizes must be receptive field sides from 1"):
        ap.plot_receptive_field(["a", "b"], [3, -5])
    with pytest.raises(ValueError, match="group must be an integer"):
        ap.plot_network(tables["VGG-16"], group=0)
