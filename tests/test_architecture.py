"""helpers.architecture: the counting formulas, checked against torch modules and its flop counter.

Reference: ``sum(p.numel() for p in module.parameters())`` for parameters, and
``torch.utils.flop_counter.FlopCounterMode`` for MACs (it reports FLOPs = 2 x MACs for
convolutions and matrix products and ignores biases, our convention). Random layer
configurations are drawn from seeded generators; agreement must be exact (integers).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import architecture as arch


def torch_macs(module, x):
    """Half the FLOPs torch's flop counter reports for ``module(x)``."""
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        module(x)
    return counter.get_total_flops() // 2


def numel(module):
    return sum(p.numel() for p in module.parameters())


def random_conv_configs(n, seed):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        groups = int(rng.choice([1, 1, 2, 3, 4]))
        c_in = groups * int(rng.integers(1, 6))
        c_out = groups * int(rng.integers(1, 6))
        if rng.random() < 0.2:                      # depthwise
            groups, c_out = c_in, c_in * int(rng.integers(1, 3))
        kernel = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
        stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        dilation = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
        size = (int(rng.integers(12, 30)), int(rng.integers(12, 30)))
        bias = bool(rng.random() < 0.5)
        yield c_in, c_out, kernel, stride, padding, dilation, groups, size, bias


# -- one layer: formulas vs torch modules ---------------------------------------------------------
@pytest.mark.parametrize("config", list(random_conv_configs(40, seed=0)))
def test_conv_layer_formulas_match_torch(config):
    torch = pytest.importorskip("torch")
    c_in, c_out, kernel, stride, padding, dilation, groups, size, bias = config
    layer = torch.nn.Conv2d(c_in, c_out, kernel, stride, padding, dilation, groups, bias)
    x = torch.zeros(1, c_in, *size)
    out = layer(x)
    shape, params, macs = arch.conv_layer_cost((c_in, *size), c_out, kernel, stride=stride,
                                               padding=padding, dilation=dilation, groups=groups,
                                               bias=bias)
    assert shape == tuple(out.shape[1:])
    assert params == numel(layer) == arch.conv_layer_params(c_in, c_out, kernel, groups=groups,
                                                            bias=bias)
    assert macs == torch_macs(layer, x)


@pytest.mark.parametrize("dims", [1, 3])
def test_conv_formulas_in_1d_and_3d(dims):
    torch = pytest.importorskip("torch")
    cls = {1: torch.nn.Conv1d, 3: torch.nn.Conv3d}[dims]
    layer = cls(4, 6, 3, stride=2, padding=1, groups=2)
    x = torch.zeros((1, 4) + (9,) * dims)
    shape, params, macs = arch.conv_layer_cost((4,) + (9,) * dims, 6, (3,) * dims, stride=2,
                                               padding=1, groups=2)
    assert shape == tuple(layer(x).shape[1:])
    assert params == numel(layer)
    assert macs == torch_macs(layer, x)


def test_conv_transpose_macs_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for _ in range(10):
        g = int(rng.choice([1, 2]))
        c_in, c_out = g * int(rng.integers(1, 5)), g * int(rng.integers(1, 5))
        k, s = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        layer = torch.nn.ConvTranspose2d(c_in, c_out, k, stride=s, groups=g)
        x = torch.zeros(1, c_in, 7, 5)
        assert arch.conv_transpose_layer_macs(c_in, c_out, k, (7, 5), groups=g) == \
            torch_macs(layer, x)
        assert arch.conv_layer_params(c_in, c_out, k, groups=g) == numel(layer)


def test_linear_norm_attention_match_torch():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    rng = np.random.default_rng(2)
    for _ in range(10):
        n_in, n_out = int(rng.integers(1, 50)), int(rng.integers(1, 50))
        bias = bool(rng.random() < 0.5)
        layer = nn.Linear(n_in, n_out, bias=bias)
        rows = int(rng.integers(1, 5))
        assert arch.linear_layer_params(n_in, n_out, bias=bias) == numel(layer)
        assert arch.linear_layer_macs(n_in, n_out, rows=rows) == \
            torch_macs(layer, torch.zeros(1, rows, n_in))
    for c in (1, 7, 64):
        assert arch.norm_layer_params(c) == numel(nn.BatchNorm2d(c)) == numel(nn.LayerNorm(c))
        assert arch.norm_layer_params(c) == numel(nn.GroupNorm(1, c))
        assert arch.norm_layer_params(c, affine=False) == numel(nn.BatchNorm2d(c, affine=False))
    for e, heads, kdim, bias, kv in [(8, 2, None, True, False), (12, 3, 5, False, True)]:
        mha = nn.MultiheadAttention(e, heads, kdim=kdim, vdim=kdim, bias=bias, add_bias_kv=kv,
                                    batch_first=True)
        assert arch.attention_layer_params(e, kdim=kdim, vdim=kdim, bias=bias,
                                           add_bias_kv=kv) == numel(mha)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    q, kv = torch.zeros(1, 5, 8), torch.zeros(1, 7, 8)
    assert arch.attention_layer_macs(8, 5, 7) == torch_macs(lambda x: mha(q, x, x), kv)


def test_conv_output_shape_agrees_with_conv_output_size_and_torch():
    torch = pytest.importorskip("torch")
    assert arch.conv_output_shape((227, 227), 11, stride=4) == (55, 55)
    pool = torch.nn.MaxPool2d(3, stride=2, padding=1)
    assert arch.conv_output_shape((110, 110), 3, stride=2, padding=1) == \
        tuple(pool(torch.zeros(1, 1, 110, 110)).shape[2:])


# -- stacks ----------------------------------------------------------------------------------------
def test_receptive_field_analytic():
    size, jump = arch.receptive_field([3] * 5)
    assert size.tolist() == [3, 5, 7, 9, 11] and jump.tolist() == [1] * 5
    # AlexNet's first layer and pooling: 11, then 11 + (3 - 1) * 4 = 19
    assert arch.receptive_field([11, 3], strides=[4, 2])[0].tolist() == [11, 19]
    assert arch.receptive_field([3], dilations=[2])[0].tolist() == [5]


def test_receptive_field_matches_the_gradient_of_a_torch_stack():
    """The input pixels that influence one output value = the receptive field, measured."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for _ in range(6):
        n = int(rng.integers(1, 5))
        ks = [int(k) for k in rng.integers(1, 6, n)]
        ss = [int(s) for s in rng.integers(1, 3, n)]
        ds = [int(d) for d in rng.integers(1, 3, n)]
        layers = [torch.nn.Conv2d(1, 1, k, stride=s, dilation=d, bias=False)
                  for k, s, d in zip(ks, ss, ds, strict=True)]
        for layer in layers:
            torch.nn.init.constant_(layer.weight, 1.0)
        x = torch.ones(1, 1, 80, 80, requires_grad=True)
        y = torch.nn.Sequential(*layers)(x)
        y[0, 0, 0, 0].backward()
        seen = torch.nonzero(x.grad[0, 0].sum(0)).flatten()
        measured = int(seen.max() - seen.min() + 1)
        assert arch.receptive_field(ks, ss, ds)[0][-1] == measured


def test_separable_ratio_is_exact_and_matches_the_torch_block():
    torch = pytest.importorskip("torch")
    from helpers.nets.blocks import DepthwiseSeparableConv

    rng = np.random.default_rng(4)
    for _ in range(10):
        m, n = int(rng.integers(1, 64)), int(rng.integers(1, 64))
        f = int(rng.choice([1, 3, 5, 7]))
        cost = arch.separable_conv_cost(m, n, f, (9, 9))
        assert math.isclose(cost["macs_ratio"], arch.separable_cost_ratio(n, f), rel_tol=1e-12)
        block = DepthwiseSeparableConv(m, n, f)
        standard = torch.nn.Conv2d(m, n, f, padding=f // 2, bias=False)
        x = torch.zeros(1, m, 9, 9)
        assert cost["separable_macs"] == torch_macs(block, x)
        assert cost["standard_macs"] == torch_macs(standard, x)
        convs = numel(block.depthwise) + numel(block.pointwise)
        assert cost["separable_params"] == convs and cost["standard_params"] == numel(standard)


@pytest.mark.parametrize("reduce", [True, False])
def test_inception_cost_matches_the_torch_module(reduce):
    torch = pytest.importorskip("torch")
    from helpers.nets.blocks import InceptionModule

    config = (192, 64, 96, 128, 16, 32, 32)          # GoogLeNet's (3a)
    with torch.device("meta"):                        # shapes only: no arithmetic
        module = InceptionModule(*config, reduce=reduce)
        x = torch.zeros(1, 192, 28, 28)
    cost = arch.inception_cost(192, 28, *config[1:], reduce=reduce)
    assert cost["params"] == numel(module)
    assert cost["macs"] == torch_macs(module, x)
    assert cost["out_channels"] == module(x).shape[1]


def test_dense_block_cost_matches_our_block_and_torchvision_densenet121():
    torch = pytest.importorskip("torch")
    tv = pytest.importorskip("torchvision")
    from helpers.nets.blocks import DenseBlock

    block = DenseBlock(16, growth=8, n_layers=4)
    cost = arch.dense_block_cost(16, 8, 4, 10)
    x = torch.zeros(1, 16, 10, 10)
    assert cost["params_total"] == numel(block)
    assert cost["macs_total"] == torch_macs(block, x)
    assert cost["out_channels"] == block(x).shape[1]
    with torch.device("meta"):
        net = tv.models.densenet121(weights=None)
    # DenseNet-121's blocks: 6, 12, 24, 16 layers at 56, 28, 14, 7 pixels, growth 32
    c = 64
    for i, (n, size) in enumerate(zip((6, 12, 24, 16), (56, 28, 14, 7), strict=True), start=1):
        cost = arch.dense_block_cost(c, 32, n, size)
        assert cost["params_total"] == numel(getattr(net.features, f"denseblock{i}"))
        c = cost["out_channels"] // 2                      # the transition layer halves them
    plain = arch.dense_block_cost(16, 8, 4, 10, bottleneck=None)
    assert plain["params"][0] == 2 * 16 + 9 * 16 * 8


def test_compound_scaling_analytic():
    s = arch.compound_scaling(0)
    assert s["depth"] == s["width"] == s["resolution"] == s["flops"] == 1.0
    s = arch.compound_scaling(3, 1.2, 1.1, 1.15)
    assert math.isclose(s["flops"], s["depth"] * s["width"] ** 2 * s["resolution"] ** 2)
    assert math.isclose(s["flops_per_step"], 1.2 * 1.1**2 * 1.15**2)


@pytest.mark.parametrize("variant", ["B0", "B1", "B2"])
def test_efficientnet_cost_equals_torchvision(variant):
    torch = pytest.importorskip("torch")
    tv = pytest.importorskip("torchvision")
    width, depth, res = arch.EFFICIENTNET_VARIANTS[variant]
    with torch.device("meta"):
        net = getattr(tv.models, f"efficientnet_{variant.lower()}")(weights=None).eval()
    cost = arch.efficientnet_cost(width, depth, res)
    assert cost["params"] == numel(net)
    assert cost["macs"] == torch_macs(net, torch.empty(1, 3, res, res, device="meta"))


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["B3", "B4", "B5", "B6", "B7"])
def test_efficientnet_cost_equals_torchvision_large(variant):
    test_efficientnet_cost_equals_torchvision(variant)


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, match", [
    (lambda: arch.conv_layer_params(6, 4, 3, groups=4), "c_in must be divisible by groups"),
    (lambda: arch.conv_layer_params(0, 4, 3), "c_in must be an integer >= 1"),
    (lambda: arch.conv_layer_params(4, 4, 3, bias=1), "bias must be True or False"),
    (lambda: arch.conv_layer_params(4, 4, (3, 3, 3, 3)), "kernel_size must be an int or a tuple"),
    (lambda: arch.conv_layer_params(4, 4, 10**9), "kernel_size must be an integer"),
    (lambda: arch.conv_layer_params(2**40, 4, 3), "c_in must be an integer"),
    (lambda: arch.conv_layer_macs(4, 4, 3, (0, 5)), "output_size must be an integer >= 1"),
    (lambda: arch.conv_output_shape((5, 5), 7), "does not fit"),
    (lambda: arch.conv_output_shape((5, 5), (3, 3, 3)), "kernel_size must be an int or a tuple"),
    (lambda: arch.conv_output_shape(10**9, 3), "input_size must be an integer"),
    (lambda: arch.conv_layer_cost("3x32x32", 8, 3), "input_shape must be a tuple"),
    (lambda: arch.conv_layer_cost((3,), 8, 3), "input_shape must be a tuple"),
    (lambda: arch.linear_layer_macs(4, 4, rows=-1), "rows must be an integer >= 1"),
    (lambda: arch.receptive_field([]), "1 to 10000 layers"),
    (lambda: arch.receptive_field("333"), "kernel_sizes must be a sequence"),
    (lambda: arch.receptive_field([3, 3], strides=[1]), "one entry per layer"),
    (lambda: arch.receptive_field([3, 0]), r"kernel_sizes\[1\] must be an integer >= 1"),
    (lambda: arch.receptive_field([3] * 20_000), "1 to 10000 layers"),
    (lambda: arch.separable_conv_cost(4, 4, 3.0, 5), "f must be an integer"),
    (lambda: arch.separable_cost_ratio(None, 3), "c_out must be an integer"),
    (lambda: arch.inception_cost(192, 28, 64, 96, 128, 16, 32, 0), "pool_proj must be an integer"),
    (lambda: arch.dense_block_cost(64, 32, 0, 56), "n_layers must be an integer >= 1"),
    (lambda: arch.dense_block_cost(64, 32, 10**6, 56), "n_layers must be an integer"),
    (lambda: arch.compound_scaling(float("nan")), "phi must be finite"),
    (lambda: arch.compound_scaling(1, alpha=0.5), "alpha must be >= 1"),
    (lambda: arch.compound_scaling(100), "phi must be >= 0 and <= 10"),
    (lambda: arch.efficientnet_cost(resolution=10**6), "resolution must be an integer"),
    (lambda: arch.efficientnet_cost(width=float("inf")), "width must be finite"),
    (lambda: arch.attention_layer_macs(8, 0, 3), "target_length must be an integer >= 1"),
])
def test_bad_input_gets_a_clear_error(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
