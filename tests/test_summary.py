"""helpers.nets.summary: layer tables by the course's formulas, against torch's own counts.

References: ``sum(p.numel() for p in model.parameters())`` (parameters, must be equal) and
``torch.utils.flop_counter.FlopCounterMode`` run directly on the model (FLOPs / 2 = MACs of
convolution, linear and attention layers; must agree within 1%, and does exactly for every
network below). Big networks are built on torch's ``meta`` device: no weights are allocated.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
tv = pytest.importorskip("torchvision")
nn = torch.nn

from helpers.nets import summary  # noqa: E402
from helpers.nets.classic import AlexNet, LeNet5, ZFNet  # noqa: E402


def reference_macs(model, shape):
    """FlopCounterMode on the model itself (no functional_call): an independent reference."""
    from torch.utils.flop_counter import FlopCounterMode

    device = next(model.parameters()).device
    counter = FlopCounterMode(display=False)
    model.eval()
    with counter, torch.no_grad():
        model(torch.zeros((1, *shape), device=device))
    return counter.get_total_flops() / 2


def build(name):
    if name == "LeNet-5":
        return LeNet5(), (1, 28, 28)
    with torch.device("meta"):
        if name == "AlexNet":
            return AlexNet(), (3, 227, 227)
        if name == "ZFNet":
            return ZFNet(), (3, 224, 224)
        kwargs = {"init_weights": True} if name in ("googlenet", "inception_v3") else {}
        size = 299 if name == "inception_v3" else 224
        return getattr(tv.models, name)(weights=None, **kwargs), (3, size, size)


NAMED = ["LeNet-5", "AlexNet", "ZFNet", "vgg16", "googlenet", "resnet18", "resnet50",
         pytest.param("densenet121", marks=pytest.mark.slow), "mobilenet_v2",
         pytest.param("efficientnet_b0", marks=pytest.mark.slow)]
OTHERS = ["resnext50_32x4d", "wide_resnet50_2", "mobilenet_v3_small", "shufflenet_v2_x1_0",
          "squeezenet1_1", "mnasnet0_5", "convnext_tiny", "vit_b_16",
          pytest.param("inception_v3", marks=pytest.mark.slow),
          pytest.param("efficientnet_v2_s", marks=pytest.mark.slow)]


@pytest.mark.parametrize("name", NAMED + OTHERS)
def test_counts_agree_with_torch(name):
    model, shape = build(name)
    table = summary.layer_table(model, shape)
    exact = sum(p.numel() for p in model.parameters())
    assert table["parameters"].sum() == exact
    assert summary.count_params(model) == exact
    ref = reference_macs(model, shape)
    assert abs(table["macs"].sum() - ref) <= 0.01 * ref
    assert summary.count_macs(model, shape) == table["macs"].sum()
    assert summary.flop_counter_macs(model, shape) == ref


def test_the_papers_counts():
    """Counts the papers state, from the course's own modules and torchvision's."""
    lenet, _ = build("LeNet-5")
    assert summary.count_params(lenet) == 61_706
    alexnet, _ = build("AlexNet")
    assert summary.count_params(alexnet) == 60_965_224          # Krizhevsky et al.: "60 million"
    vgg, shape = build("vgg16")
    table = summary.layer_table(vgg, shape)
    assert (table["kind"] == "conv").sum() == 13 and (table["kind"] == "linear").sum() == 3
    assert summary.count_params(vgg) == 138_357_544             # Simonyan & Zisserman: 138M


def test_regnet_built_on_cpu_runs_on_meta_copies_and_is_left_untouched():
    model = tv.models.regnet_y_400mf(weights=None)              # cannot be built on meta
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    table = summary.layer_table(model, (3, 224, 224))
    assert table["parameters"].sum() == sum(p.numel() for p in model.parameters())
    assert abs(table["macs"].sum() / reference_macs(model, (3, 224, 224)) - 1) < 0.01
    model.train()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_training_mode_restored_and_no_gradients_left():
    model, shape = build("LeNet-5")
    model.train()
    model.features[1].eval()
    summary.layer_table(model, shape)
    assert model.training and not model.features[1].training
    assert all(p.grad is None for p in model.parameters())


def test_table_columns_and_rows():
    model, shape = build("LeNet-5")
    table = summary.layer_table(model, shape)
    assert list(table.columns) == summary.COLUMNS
    assert str(table["parameters"].dtype) == "int64" and str(table["macs"].dtype) == "int64"
    convs = table[table["kind"] == "conv"]
    assert convs["output_shape"].tolist() == [(6, 28, 28), (16, 10, 10)]
    assert convs["settings"].tolist() == ["1->6 5x5 pad 2", "6->16 5x5"]
    assert table.attrs["input_shape"] == (1, 28, 28) and table.attrs["not_run"] == []


class TwiceNet(nn.Module):
    """One conv and one ReLU used twice, and a linear layer tied to another's weight."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.fc1 = nn.Linear(4, 4)
        self.fc2 = nn.Linear(4, 4, bias=False)
        self.fc2.weight = self.fc1.weight                       # tied
        self.scale = nn.Parameter(torch.ones(4))                # owned by the container

    def forward(self, x):
        x = self.relu(self.conv(self.relu(self.conv(x))))
        x = x.mean((2, 3)) * self.scale
        return self.fc2(self.fc1(x))


def test_layers_used_twice_tied_weights_and_container_parameters():
    model = TwiceNet()
    table = summary.layer_table(model, (4, 8, 8))
    conv = table[table["type"] == "Conv2d"]
    assert conv["name"].tolist() == ["conv", "conv (call 2)"]
    assert conv["parameters"].tolist() == [4 * 4 * 9 + 4, 0]                  # weights once
    assert conv["macs"].tolist() == [8 * 8 * 4 * 4 * 9] * 2                   # work twice
    assert table["parameters"].sum() == sum(p.numel() for p in model.parameters())
    assert summary.count_params(model) == sum(p.numel() for p in model.parameters())
    assert "parameter" in table["kind"].tolist()
    assert table["macs"].sum() == reference_macs(model, (4, 8, 8))


def test_layers_that_do_not_run():
    model, shape = build("googlenet")                          # aux classifiers: training only
    table = summary.layer_table(model, shape)
    not_run = table[table["output_shape"].isna()]
    assert len(not_run) and all(n.startswith("aux") for n in not_run["name"])
    assert (not_run["macs"] == 0).all() and not_run["parameters"].sum() > 0


class FunctionalUse(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        return nn.functional.linear(x, self.proj.weight)        # the layer never runs


def test_weights_used_outside_their_layer_warn():
    with pytest.warns(UserWarning, match="did not run although their parent did"):
        table = summary.layer_table(FunctionalUse(), (4,))
    assert table.attrs["not_run"] == ["proj"]


@pytest.mark.parametrize("model, shape", [
    (lambda: nn.Sequential(nn.Conv1d(2, 4, 3, stride=2), nn.ReLU(), nn.Flatten(),
                           nn.Linear(4 * 7, 3)), (2, 16)),
    (lambda: nn.Sequential(nn.Conv3d(1, 2, 3, padding=1), nn.AdaptiveAvgPool3d(2)), (1, 6, 6, 6)),
    (lambda: nn.Sequential(nn.ConvTranspose2d(3, 2, 4, stride=2, groups=1), nn.BatchNorm2d(2)),
     (3, 5, 5)),
    (lambda: nn.Conv2d(8, 8, 3, groups=8, bias=False), (8, 10, 10)),
    (lambda: nn.Sequential(nn.Conv2d(3, 6, 3, padding="same"), nn.LayerNorm([6, 9, 9])),
     (3, 9, 9)),
])
def test_other_layer_kinds(model, shape):
    model = model()
    table = summary.layer_table(model, shape)
    assert table["parameters"].sum() == sum(p.numel() for p in model.parameters())
    assert table["macs"].sum() == reference_macs(model, shape)


class ReadsValues(nn.Module):
    """A forward that looks at tensor values: impossible on meta, fine for real."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)

    def forward(self, x):
        return self.conv(x) if float(x.sum()) >= 0 else self.conv(-x)


def test_value_dependent_forward_falls_back_to_a_real_run():
    table = summary.layer_table(ReadsValues(), (1, 8, 8))
    assert table["macs"].sum() == 6 * 6 * 2 * 9
    with torch.device("meta"):
        on_meta = ReadsValues()
    with pytest.raises(ValueError, match="cannot run on torch's meta device"):
        summary.layer_table(on_meta, (1, 8, 8))
    with pytest.raises(ValueError, match="a real run is impossible"):
        summary.layer_table(ReadsValues(), (1, 4096, 4096))


def test_meta_run_is_cheap_for_vgg16_at_a_large_input():
    model, _ = build("vgg16")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = summary.layer_table(model, (3, 448, 448))
    assert table["output_shape"].iloc[-1] == (1000,)


@pytest.mark.parametrize("call, error, match", [
    (lambda: summary.layer_table("vgg16", (3, 224, 224)), TypeError, "model must be a torch"),
    (lambda: summary.count_params(None), TypeError, "model must be a torch"),
    (lambda: summary.layer_table(LeNet5(), 28), TypeError, "input_shape must be one input"),
    (lambda: summary.layer_table(LeNet5(), (1, 28, 28, 28, 28)), TypeError, "tuple of 1 to 4"),
    (lambda: summary.layer_table(LeNet5(), (1, 0, 28)), ValueError, "input_shape must be an"),
    (lambda: summary.layer_table(LeNet5(), (1, 28.0, 28)), TypeError, "input_shape must be an"),
    (lambda: summary.count_macs(LeNet5(), (64, 65536, 65536)), ValueError, "at most"),
    (lambda: summary.layer_table(LeNet5(), (3, 28, 28)), ValueError, "check input_shape"),
    (lambda: summary.flop_counter_macs(LeNet5(), []), TypeError, "input_shape"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
