"""helpers.nets.classic, .blocks (chapter 11's blocks), .modern and .zoo.

References: torchvision's ResNet ``BasicBlock`` and DenseNet-121's first dense layer (weights
copied into ours, outputs compared at float32 tolerance 1e-5), plain ``F.conv2d`` compositions,
and the papers' published shapes and parameter counts.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tv = pytest.importorskip("torchvision")
nn = torch.nn
F = nn.functional

from helpers.nets import blocks, classic, modern, zoo  # noqa: E402
from helpers.nets.summary import count_params, layer_table  # noqa: E402


# -- classic networks -----------------------------------------------------------------------------
def test_lenet5_shapes_and_counts():
    net = classic.LeNet5()
    assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert count_params(net) == 61_706
    relu = classic.LeNet5(activation="relu", standardize=False)
    assert not isinstance(relu.features[0], classic.Standardize)
    assert isinstance(relu.features[1], nn.ReLU)


def test_alexnet_and_zfnet_follow_their_papers():
    with torch.device("meta"):
        alexnet, one_gpu, zfnet = classic.AlexNet(), classic.AlexNet(groups=1), classic.ZFNet()
    assert count_params(alexnet) == 60_965_224                   # the paper's "60 million"
    assert count_params(one_gpu) > count_params(alexnet)
    a = layer_table(alexnet, (3, 227, 227))
    assert a[a["kind"] == "conv"]["output_shape"].tolist() == [
        (96, 55, 55), (256, 27, 27), (384, 13, 13), (384, 13, 13), (256, 13, 13)]
    z = layer_table(zfnet, (3, 224, 224))
    # Zeiler & Fergus, figure 3: 110 -> 55 -> 26 -> 13 -> 13 -> 13 -> 6
    sides = [s[-1] for s in z[z["kind"].isin(["conv", "pool"])]["output_shape"]]
    assert sides == [110, 55, 26, 13, 13, 13, 13, 6]


def _meta(net):
    """An ImageNet-sized network built on torch's meta device (no memory, shapes only)."""
    with torch.device("meta"):
        return net()


@pytest.mark.parametrize("call, match", [
    (lambda: classic.LeNet5(num_classes=0), "num_classes must be an integer >= 1"),
    (lambda: classic.LeNet5(activation="sigmoid"), "activation must be one of"),
    (lambda: classic.LeNet5(standardize=1), "standardize must be True or False"),
    (lambda: classic.AlexNet(groups=3), "groups must be one of"),
    (lambda: classic.AlexNet(dropout=1.0), "dropout must be a probability"),
    (lambda: classic.ZFNet(num_classes=10**9), "num_classes must be an integer"),
    (lambda: classic.AlexNet(num_classes=100_000), "num_classes must be an integer >= 1 and <= 1"),
    (lambda: classic.Standardize(0.5, 0.0), "std must be > 0"),
    (lambda: classic.Standardize(float("nan"), 1.0), "mean must be a finite number"),
    (lambda: classic.Standardize()(np.zeros(3)), "x must be a torch.Tensor"),
    (lambda: classic.LeNet5()(torch.zeros(2, 3, 28, 28)), r"x must have 1 channel\(s\)"),
    (lambda: classic.LeNet5()(torch.zeros(2, 1, 32, 32)), r"x must be \(N, 1, 28, 28\) for LeNet5"),
    (lambda: classic.LeNet5()(torch.full((1, 1, 28, 28), float("nan"))), "x contains NaN"),
    (lambda: _meta(classic.AlexNet)(torch.zeros(1, 3, 224, 224, device="meta")),
     r"x must be \(N, 3, 227, 227\) for AlexNet"),
    (lambda: _meta(classic.ZFNet)(torch.zeros(1, 3, 200, 200, device="meta")),
     r"x must be \(N, 3, 224, 224\) for ZFNet"),
    (lambda: modern.DeepDigitNet(2, 4)(torch.zeros(2, 28, 28)), "x must be 4-D"),
])
def test_classic_bad_arguments(call, match):  # and their forward passes' inputs
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_random_shift_batch():
    rng = np.random.default_rng(0)
    x = torch.rand(6, 1, 8, 8)
    y = torch.arange(6)
    same = classic.random_shift_batch((x, y), np.random.default_rng(0), max_shift=0)
    assert same[0].equal(x) and same[1] is y
    shifted, labels = classic.random_shift_batch((x, y), rng, max_shift=2)
    assert shifted.shape == x.shape and labels is y
    # each image equals the original moved by some (dy, dx) in -2..2, zeros coming in
    for i in range(6):
        ok = False
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                ref = torch.zeros(8, 8)
                ys, xs = slice(max(dy, 0), 8 + min(dy, 0)), slice(max(dx, 0), 8 + min(dx, 0))
                yd, xd = slice(max(-dy, 0), 8 + min(-dy, 0)), slice(max(-dx, 0), 8 + min(-dx, 0))
                ref[yd, xd] = x[i, 0, ys, xs]
                ok |= bool(torch.equal(ref, shifted[i, 0]))
        assert ok
    again, _ = classic.random_shift_batch((x, y), np.random.default_rng(0), max_shift=2)
    assert again.equal(classic.random_shift_batch((x, y), np.random.default_rng(0), 2)[0])
    with pytest.raises(TypeError, match="batch must be a tuple"):
        classic.random_shift_batch(x, rng)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        classic.random_shift_batch((x, y), 0)
    with pytest.raises(ValueError, match="max_shift must be an integer >= 0 and <= 8"):
        classic.random_shift_batch((x, y), rng, max_shift=100)


# -- blocks against torchvision -------------------------------------------------------------------
def _randomise_bn(module):
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            nn.init.uniform_(m.weight, 0.5, 1.5)
            nn.init.uniform_(m.bias, -0.5, 0.5)


@pytest.mark.parametrize("c_in, c_out, stride", [(8, 8, 1), (8, 16, 2)])
def test_residual_block_equals_torchvision_basic_block(c_in, c_out, stride):
    from torchvision.models.resnet import BasicBlock

    torch.manual_seed(0)
    downsample = None
    if stride != 1 or c_in != c_out:
        downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False),
                                   nn.BatchNorm2d(c_out))
    theirs = BasicBlock(c_in, c_out, stride=stride, downsample=downsample)
    _randomise_bn(theirs)
    ours = blocks.ResidualBlock(c_in, c_out, stride=stride)
    state = {k.replace("downsample", "shortcut"): v for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)
    x = torch.randn(2, c_in, 9, 9)
    with torch.no_grad():
        assert torch.allclose(ours.eval()(x), theirs.eval()(x), atol=1e-5)
    assert count_params(ours) == count_params(theirs)


def test_dense_layer_equals_densenet121s_first_layer():
    torch.manual_seed(0)
    theirs = tv.models.densenet121(weights=None).features.denseblock1.denselayer1
    _randomise_bn(theirs)
    ours = blocks.DenseLayer(64, 32, bottleneck=4)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 64, 6, 6)
    with torch.no_grad():
        assert torch.allclose(ours.eval()(x), theirs.eval()(x), atol=1e-5)


def test_dense_block_concatenates():
    block = blocks.DenseBlock(5, growth=3, n_layers=4).eval()
    x = torch.randn(1, 5, 4, 4)
    with torch.no_grad():
        y = block(x)
    assert y.shape == (1, 5 + 4 * 3, 4, 4) and torch.equal(y[:, :5], x)    # the input is kept


def test_depthwise_separable_is_depthwise_then_pointwise():
    torch.manual_seed(1)
    block = blocks.DepthwiseSeparableConv(4, 6, 3, stride=2).eval()
    x = torch.randn(2, 4, 9, 9)
    with torch.no_grad():
        d = F.conv2d(x, block.depthwise.weight, stride=2, padding=1, groups=4)
        d = F.relu(block.bn1(d))
        ref = F.relu(block.bn2(F.conv2d(d, block.pointwise.weight)))
        assert torch.allclose(block(x), ref, atol=1e-6)
    assert block.depthwise.weight.shape == (4, 1, 3, 3)


def test_inception_module_concatenates_its_branches():
    m = blocks.InceptionModule(16, 4, 6, 8, 2, 3, 5)
    assert m(torch.zeros(1, 16, 7, 7)).shape == (1, 4 + 8 + 3 + 5, 7, 7)
    naive = blocks.InceptionModule(16, 4, 6, 8, 2, 3, 5, reduce=False)
    assert naive(torch.zeros(1, 16, 7, 7)).shape == (1, 4 + 8 + 3 + 16, 7, 7)


def test_highway_layer_formula_and_gate():
    torch.manual_seed(2)
    layer = blocks.HighwayLayer(5, gate_bias=-3.0)
    x = torch.randn(4, 5)
    with torch.no_grad():
        y = layer(x)
        t = torch.sigmoid(layer.gate(x))
        h = torch.relu(layer.transform(x))
    assert torch.allclose(y, t * h + (1 - t) * x, atol=1e-6)
    assert torch.equal(layer.last_gate, t)
    with torch.no_grad():
        layer(torch.zeros(1, 5))
    assert torch.allclose(layer.last_gate, torch.sigmoid(torch.tensor(-3.0)).expand(1, 5))


@pytest.mark.parametrize("call, match", [
    (lambda: blocks.ResidualBlock(0, 4), "in_channels must be an integer >= 1"),
    (lambda: blocks.ResidualBlock(4, 4, stride=3), "stride must be an integer >= 1 and <= 2"),
    (lambda: blocks.ResidualBlock(4, 4, batch_norm="yes"), "batch_norm must be True or False"),
    (lambda: blocks.DenseBlock(4, 2, 10**6), "n_layers must be an integer"),
    (lambda: blocks.DenseLayer(4, 2, bottleneck=0), "bottleneck must be an integer >= 1"),
    (lambda: blocks.InceptionModule(16, 4, 6, 8, 2, 3, -5), "pool_proj must be an integer"),
    (lambda: blocks.DepthwiseSeparableConv(4, 4, kernel_size=4), "kernel_size must be an odd"),
    (lambda: blocks.HighwayLayer(4, gate_bias=float("inf")), "gate_bias must be finite"),
    (lambda: blocks.HighwayLayer(10**9), "features must be an integer"),
    # sizes that would allocate gigabytes are refused before anything is allocated
    (lambda: blocks.ResidualBlock(8192, 8192), "would hold 1,275,068,416 parameters"),
    (lambda: blocks.HighwayLayer(8192), "at most 50,000,000 are built"),
    (lambda: blocks.DenseBlock(8192, 8192, 256), "would hold"),
    (lambda: blocks.InceptionModule(8192, 8192, 8192, 8192, 8192, 8192, 8192), "would hold"),
    (lambda: blocks.DepthwiseSeparableConv(8192, 8192), "would hold"),
    # forward: the input tensor is checked first, the message names x
    (lambda: blocks.ResidualBlock(4, 4)(torch.zeros(1, 3, 5, 5)), r"x must have 4 channel\(s\)"),
    (lambda: blocks.DenseBlock(4, 2, 2)(torch.zeros(4, 5, 5)), "x must be 4-D"),
    (lambda: blocks.DenseLayer(4, 2)(torch.full((1, 4, 3, 3), float("nan"))), "x contains NaN"),
    (lambda: blocks.InceptionModule(4, 2, 2, 2, 2, 2, 2)("x"), "x must be a torch.Tensor"),
    (lambda: blocks.DepthwiseSeparableConv(4, 4)(torch.zeros(0, 4, 5, 5)), "x must not be empty"),
    (lambda: blocks.HighwayLayer(4)(torch.zeros(2, 5)), "x must have 4 features"),
    (lambda: blocks.HighwayLayer(4)(torch.zeros(2, 3, 4)), "x must be 2-D"),
    (lambda: modern.DeepDigitNet(width=4096), "width must be an integer >= 1 and <= 128"),
])
def test_block_bad_arguments(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# -- the plain vs residual experiment -------------------------------------------------------------
def test_deep_digit_net_plain_and_residual_differ_only_by_the_skip():
    torch.manual_seed(0)
    plain = modern.DeepDigitNet(n_blocks=3, width=4, residual=False)
    torch.manual_seed(0)
    residual = modern.DeepDigitNet(n_blocks=3, width=4, residual=True)
    for p, q in zip(plain.parameters(), residual.parameters(), strict=True):
        assert torch.equal(p, q)
    assert len(plain.weight_layers()) == 2 * 3 + 2
    x = torch.rand(2, 1, 28, 28)
    assert not torch.allclose(plain(x), residual(x))
    with pytest.raises(ValueError, match="n_blocks must be an integer"):
        modern.DeepDigitNet(n_blocks=100)


def test_layer_gradient_norms_vanish_in_the_plain_net_only():
    torch.manual_seed(0)
    x, y = torch.rand(32, 1, 28, 28), torch.arange(32) % 10
    norms = {}
    for residual in (False, True):
        torch.manual_seed(0)
        net = modern.DeepDigitNet(n_blocks=8, width=8, residual=residual).train()
        names, g = modern.layer_gradient_norms(net, x, y)
        assert names[0] == "stem" and names[-1] == "fc" and len(g) == 18
        assert net.training and all(p.grad is None for p in net.parameters())
        norms[residual] = g
    assert norms[False][0] / norms[False][-2] < 1e-3          # vanishes through 16 plain layers
    assert norms[True][0] / norms[True][-2] > 1e-2            # the skips carry it


def test_layer_gradient_norms_bad_input():
    net = modern.DeepDigitNet(n_blocks=1, width=2)
    x, y = torch.rand(4, 1, 28, 28), torch.arange(4)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        modern.layer_gradient_norms("net", x, y)
    with pytest.raises(TypeError, match="inputs must be a float torch.Tensor"):
        modern.layer_gradient_norms(net, np.zeros((4, 1, 28, 28)), y)
    with pytest.raises(ValueError, match="one label per input"):
        modern.layer_gradient_norms(net, x, y[:2])
    with pytest.raises(ValueError, match="no convolution or linear layer"):
        modern.layer_gradient_norms(nn.Sequential(nn.Flatten(), nn.Softmax(1)), x, y)


# -- zoo ------------------------------------------------------------------------------------------
def test_zoo_builds_on_meta_and_refuses_unknown_names():
    model, shape = zoo.build_network("ResNet-18")
    assert shape == (3, 224, 224) and next(model.parameters()).is_meta and not model.training
    with pytest.raises(ValueError, match="name must be one of"):
        zoo.build_network("ResNet-1000")
    with pytest.raises(ValueError, match="device must be one of"):
        zoo.build_network("LeNet-5", device="cuda")
    with pytest.raises(TypeError, match="names must be a list"):
        zoo.network_tables("VGG-16")
    with pytest.raises(ValueError, match="names must list at least one network"):
        zoo.network_tables([])
    with pytest.raises(TypeError, match=r"names\[1\] must be one of"):
        zoo.network_tables(["LeNet-5", 3])
