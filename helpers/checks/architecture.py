"""Checks for the exercises of chapters/10_classic_networks.ipynb and
chapters/11_modern_architectures.ipynb."""

from __future__ import annotations

from typing import Any

from .. import architecture as arch
from ._core import Case, CheckResult, run_cases

__all__ = ["check_conv_layer_cost", "check_receptive_field", "check_residual_forward"]


def _reference_cost(input_shape, c_out, f, stride=1, padding=0, groups=1):
    return arch.conv_layer_cost(tuple(input_shape), c_out, f, stride=stride, padding=padding,
                                groups=groups)


def check_conv_layer_cost(fn) -> CheckResult:
    """Check ``conv_layer_cost(input_shape, c_out, f, stride, padding, groups)`` ->
    ``((C_out, H_out, W_out), parameters, MACs)`` for a square f x f kernel with biases."""
    cases = [
        Case("LeNet-5's C1 on a 32x32 digit", (1, 32, 32), 6, 5),
        Case("a 1x1 convolution (a 'network in network')", (192, 28, 28), 16, 1),
        Case("AlexNet's conv1: stride 4", (3, 227, 227), 96, 11, stride=4),
        Case("padding 1 keeps the size", (64, 56, 56), 64, 3, padding=1),
        Case("stride 2 where the floor matters", (3, 224, 224), 64, 7, stride=2, padding=3),
        Case("AlexNet's conv2, split over two GPUs (groups=2)", (96, 27, 27), 256, 5,
             padding=2, groups=2),
        Case("a depthwise convolution (groups = channels)", (32, 112, 112), 32, 3, padding=1,
             groups=32),
        Case("kernel as large as the input (LeNet-5's C5)", (16, 5, 5), 120, 5),
    ]
    return run_cases("conv_layer_cost", fn, cases, reference=_reference_cost)


def _reference_field(kernel_sizes, strides):
    return arch.receptive_field(kernel_sizes, strides)[0]


def check_receptive_field(fn) -> CheckResult:
    """Check ``receptive_field(kernel_sizes, strides)`` -> the field's side after each layer."""
    cases = [
        Case("one 3x3 convolution", [3], [1]),
        Case("two 3x3 convolutions (VGG: one 5x5)", [3, 3], [1, 1]),
        Case("three 3x3 convolutions (VGG: one 7x7)", [3, 3, 3], [1, 1, 1]),
        Case("a VGG stage: conv, conv, 2x2 pool, conv", [3, 3, 2, 3], [1, 1, 2, 1]),
        Case("AlexNet's start: 11x11/4, 3x3/2 pool, 5x5, 3x3/2 pool", [11, 3, 5, 3],
             [4, 2, 1, 2]),
        Case("1x1 convolutions see nothing new", [1, 1, 3], [1, 1, 1]),
        Case("strides compound", [2, 2, 2, 2], [2, 2, 2, 2]),
    ]
    return run_cases("receptive_field", fn, cases, reference=_reference_field)


def _as_numpy(value: Any) -> Any:
    """A tensor answer as a numpy array (what the comparison engine reads); others unchanged."""
    import torch

    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value


def _residual_cases() -> list[Case]:
    import torch

    from ..nets.blocks import ResidualBlock

    cases = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(11)
        for name, (c_in, c_out, stride, bn, n) in {
            "same channels: the identity shortcut": (4, 4, 1, True, 1),
            "a batch of 3": (4, 4, 1, True, 3),
            "more channels: a 1x1 projection shortcut": (4, 8, 1, True, 1),
            "stride 2: the shortcut downsamples too": (4, 8, 2, True, 2),
            "without batch norm": (3, 3, 1, False, 2),
        }.items():
            block = ResidualBlock(c_in, c_out, stride=stride, batch_norm=bn)
            for m in block.modules():            # batch norm that does something
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 2.0)
                    torch.nn.init.uniform_(m.weight, 0.5, 1.5)
                    torch.nn.init.uniform_(m.bias, -0.5, 0.5)
            cases.append(Case(name, torch.randn(n, c_in, 6, 6), block.eval()))
    return cases


def check_residual_forward(fn) -> CheckResult:
    """Check ``residual_forward(x, block)`` -> ``ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) +
    shortcut(x))`` for :class:`helpers.nets.blocks.ResidualBlock` s in eval mode."""
    import torch

    def reference(x, block):
        with torch.no_grad():
            return _as_numpy(block(x))

    def learner(x, block):
        with torch.no_grad():
            return _as_numpy(fn(x, block))

    learner.__name__ = getattr(fn, "__name__", "residual_forward")
    if not callable(fn):  # the engine says "pass the function itself"
        return run_cases("residual_forward", fn, _residual_cases(), reference=reference)
    return run_cases("residual_forward", learner, _residual_cases(), reference=reference,
                     atol=1e-5, rtol=1e-5)
