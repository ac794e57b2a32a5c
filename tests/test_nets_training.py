"""The one training loop (helpers.nets.training.fit): reproducible, thread-pinned, checked."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from helpers.nets.training import History, accuracy, fit, predict  # noqa: E402


def _toy(seed=0, n=200):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    return x, y


def _net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 2))


def test_fit_learns_and_records_history():
    x, y = _toy()
    model, h = fit(_net(), (x, y), loss=nn.functional.cross_entropy, epochs=30, lr=0.05,
                   batch_size=32, val=(x, y), metrics={"accuracy": accuracy}, progress=False)
    assert isinstance(h, History) and len(h) == 30
    assert len(h.val_loss) == 30 and len(h.metrics["accuracy"]) == 30 and len(h.lr) == 30
    assert h.loss[-1] < h.loss[0] / 2
    assert h.metrics["accuracy"][-1] > 0.95
    assert not model.training and h.seconds > 0


def test_fit_is_reproducible_and_leaves_global_rng_alone():
    x, y = _toy()
    nets = [_net(), _net()]
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    runs = [fit(net, (x, y), loss=nn.functional.cross_entropy, epochs=3, lr=0.05,
                seed=7, progress=False) for net in nets]
    assert torch.equal(torch.random.get_rng_state(), state)
    for a, b in zip(runs[0][0].parameters(), runs[1][0].parameters(), strict=True):
        assert torch.equal(a, b)
    assert runs[0][1].loss == runs[1][1].loss
    other = fit(_net(), (x, y), loss=nn.functional.cross_entropy, epochs=3, lr=0.05, seed=8,
                progress=False)[1]
    assert other.loss != runs[0][1].loss


def test_threads_are_pinned_and_restored():
    x, y = _toy()
    before = torch.get_num_threads()
    seen = []

    def loss(out, target):
        seen.append(torch.get_num_threads())
        return nn.functional.cross_entropy(out, target)

    fit(_net(), (x, y), loss=loss, epochs=1, lr=0.01, progress=False)
    assert set(seen) == {1} and torch.get_num_threads() == before


def test_schedules_end_where_they_should():
    x, y = _toy()
    for schedule, last in [("constant", 0.1), ("linear", 0.0), ("cosine", 0.0)]:
        h = fit(_net(), (x, y), loss=nn.functional.cross_entropy, epochs=2, lr=0.1,
                optimizer="sgd", schedule=schedule, progress=False)[1]
        assert h.lr[-1] == pytest.approx(last, abs=1e-9), schedule


def test_sgd_matches_a_hand_written_step():
    # One full-batch SGD step without momentum is theta - lr * grad: check against autograd.
    x, y = _toy(n=16)
    net = nn.Linear(2, 2)
    ref = nn.Linear(2, 2)
    ref.load_state_dict(net.state_dict())
    fit(net, (x, y), loss=nn.functional.cross_entropy, epochs=1, lr=0.5, batch_size=16,
        optimizer="sgd", momentum=0.0, progress=False)
    nn.functional.cross_entropy(ref(x), y).backward()
    with torch.no_grad():
        for p in ref.parameters():
            p -= 0.5 * p.grad
    for a, b in zip(net.parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(a, b)


def test_batch_order_and_augment_follow_numpy_generator():
    # The batch order is np.random.default_rng(seed).permutation(n) each epoch, so a numpy
    # training loop given the same seed sees the same batches (chapter 09 relies on it).
    x = torch.arange(10.0)[:, None]
    y = torch.zeros(10, dtype=torch.long)
    seen = []

    def augment(batch, rng):
        seen.append(batch[0][:, 0].tolist())
        return batch

    fit(nn.Linear(1, 2), (x, y), loss=nn.functional.cross_entropy, epochs=2, lr=0.01,
        batch_size=4, augment=augment, seed=3, progress=False)
    rng = np.random.default_rng(3)
    want = []
    for _ in range(2):
        order = rng.permutation(10)
        want += [order[i:i + 4].astype(float).tolist() for i in range(0, 10, 4)]
    assert seen == want


def test_nan_loss_stops_with_a_message():
    x, y = _toy()
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        fit(_net(), (x, y), loss=lambda out, t: out.sum() * float("nan"), epochs=1, lr=0.1,
            progress=False)


def test_diverged_output_stops_before_a_checking_loss_refuses_it():
    # dice_loss refuses NaN logits (ValueError); fit reports the divergence itself first.
    from helpers.nets.segmentation import dice_loss

    class Blows(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))

        def forward(self, x):
            return self.w * x * float("inf")

    x, y = torch.rand(4, 1, 4, 4), torch.ones(4, 1, 4, 4)
    with pytest.raises(FloatingPointError, match="output became NaN or infinite.*learning rate"):
        fit(Blows(), (x, y), loss=dice_loss, epochs=1, lr=0.1, progress=False)


def test_max_seconds_stops_early():
    x, y = _toy(n=2000)
    h = fit(_net(), (x, y), loss=nn.functional.cross_entropy, epochs=1000, lr=0.01,
            batch_size=8, max_seconds=0.2, progress=False)[1]
    assert h.stopped_early and 1 <= len(h) < 1000


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": "net"}, TypeError, "model must be a torch.nn.Module"),
        ({"train": np.zeros((4, 8, 8, 3), np.uint8)}, TypeError, "train must be a tuple"),
        ({"train": (np.zeros((4, 8, 8, 3), np.uint8), np.zeros(4))}, TypeError,
         r"train\[0\] looks like uint8 images.*to_tensor"),
        ({"train": (torch.zeros(4, 2), torch.zeros(3))}, ValueError, "same length"),
        ({"train": (torch.full((4, 2), float("nan")), torch.zeros(4))}, ValueError,
         r"train\[0\] contains NaN"),
        ({"epochs": 0}, ValueError, "epochs must be an integer >= 1"),
        ({"epochs": 10**9}, ValueError, "epochs must be an integer >= 1 and <= 10000"),
        ({"lr": float("inf")}, ValueError, "lr must be finite"),
        ({"lr": -1.0}, ValueError, "lr must be > 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be an integer >= 1"),
        ({"optimizer": "rmsprop"}, ValueError, "optimizer must be one of"),
        ({"schedule": "step"}, ValueError, "schedule must be one of"),
        ({"metrics": {"accuracy": accuracy}}, ValueError, "metrics are computed on val"),
        ({"val": (torch.zeros(4, 2),)}, ValueError, "val must have the structure of train"),
        ({"augment": 3}, TypeError, "augment must be a function"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
        ({"threads": 0}, ValueError, "threads must be an integer >= 1"),
        ({"max_seconds": float("nan")}, ValueError, "max_seconds must be finite"),
        ({"progress": "yes"}, TypeError, "progress must be True or False"),
        ({"loss": None}, TypeError, "loss must be a function"),
        ({"metrics": [accuracy]}, TypeError, "metrics must be a dict"),
        ({"optimizer": 3}, TypeError, "optimizer must be"),
        ({"seed": 2**64}, ValueError, "seed must be an integer >= 0 and <= "),
    ],
)
def test_bad_arguments_name_themselves(kwargs, error, match):
    x, y = _toy(n=4)
    args = {"model": _net(), "train": (x, y), "loss": nn.functional.cross_entropy,
            "epochs": 1, "lr": 0.01, "progress": False}
    args.update(kwargs)
    model, train = args.pop("model"), args.pop("train")
    with pytest.raises(error, match=match):
        fit(model, train, **args)


def test_predict_batches_and_restores_mode():
    net = _net().train()
    x = torch.randn(70, 2)
    out = predict(net, x, batch_size=16)
    assert out.shape == (70, 2) and net.training
    torch.testing.assert_close(out, net.eval()(x))
    with pytest.raises(TypeError, match="model must be"):
        predict(None, x)


@pytest.mark.parametrize(
    ("logits", "labels", "error", "match"),
    [
        ("logits", torch.zeros(2, dtype=torch.long), TypeError, "logits must be a torch.Tensor"),
        (torch.zeros(2, 3), None, TypeError, "labels must be a torch.Tensor"),
        (torch.zeros(3), torch.zeros(3, dtype=torch.long), ValueError, r"logits must be 2-D"),
        (torch.full((2, 3), float("nan")), torch.zeros(2, dtype=torch.long), ValueError,
         "logits contains NaN"),
        (torch.zeros(0, 3), torch.zeros(0, dtype=torch.long), ValueError,
         "logits must not be empty"),
        (torch.zeros(2, 3), torch.zeros(3, dtype=torch.long), ValueError, "labels"),
    ],
)
def test_accuracy_refuses_bad_tensors(logits, labels, error, match):
    with pytest.raises(error, match=match):
        accuracy(logits, labels)


def test_predict_threads_none_leaves_torch_threads_alone():
    before = torch.get_num_threads()
    assert predict(_net(), torch.zeros(3, 2), threads=None).shape == (3, 2)
    assert torch.get_num_threads() == before


def test_squeeze_excitation_matches_torchvision():
    # torchvision.ops.SqueezeExcitation computes the same gate with 1x1 convolutions.
    tv = pytest.importorskip("torchvision.ops")
    from helpers.nets.blocks import SqueezeExcitation

    ours = SqueezeExcitation(12, reduction=4)
    ref = tv.SqueezeExcitation(12, 3)
    with torch.no_grad():
        ref.fc1.weight.copy_(ours.fc1.weight[:, :, None, None])
        ref.fc1.bias.copy_(ours.fc1.bias)
        ref.fc2.weight.copy_(ours.fc2.weight[:, :, None, None])
        ref.fc2.bias.copy_(ours.fc2.bias)
    x = torch.randn(3, 12, 7, 5)
    torch.testing.assert_close(ours(x), ref(x), rtol=1e-5, atol=1e-6)
    assert ours.last_scale.shape == (3, 12)
    with pytest.raises(ValueError, match="reduction must be an integer >= 1 and <= 12"):
        SqueezeExcitation(12, reduction=13)
    with pytest.raises(ValueError, match=r"x must have 12 channel\(s\)"):
        ours(torch.zeros(1, 8, 4, 4))
    with pytest.raises(ValueError, match="x must be 4-D"):
        ours(torch.zeros(12, 4, 4))
    with pytest.raises(ValueError, match="x contains NaN"):
        ours(torch.full((1, 12, 2, 2), float("nan")))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        ours(np.zeros((1, 12, 2, 2)))
