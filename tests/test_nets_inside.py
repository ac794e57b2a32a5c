"""The networks of chapter 17: helpers.nets.inside (SE digit net), helpers.nets.stn (spatial
transformer, warped digits), helpers.nets.memory (end-to-end memory network, toy stories)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from helpers.nets.inside import SEDigitNet  # noqa: E402
from helpers.nets.memory import (  # noqa: E402
    STORY_PEOPLE,
    STORY_VOCAB,
    MemoryNetwork,
    make_location_stories,
    story_text,
)
from helpers.nets.stn import (  # noqa: E402
    SpatialTransformer,
    STNClassifier,
    WarpedDigitClassifier,
    affine_theta,
    warp_digits,
)
from helpers.nets.training import accuracy, fit  # noqa: E402


# -- the SE digit net ---------------------------------------------------------------------------
def test_se_digit_net_shapes_seed_and_channel_weights():
    a, b = SEDigitNet(width=8, seed=1), SEDigitNet(width=8, seed=1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    x = torch.rand(5, 1, 28, 28)
    assert a(x).shape == (5, 10)
    for se in (a.se2, a.se3):
        assert se.last_scale.shape == (5, 16)
        assert float(se.last_scale.min()) > 0 and float(se.last_scale.max()) < 1
    plain = SEDigitNet(width=8, se=False)
    assert isinstance(plain.se3, torch.nn.Identity)
    assert sum(p.numel() for p in plain.parameters()) < sum(p.numel() for p in a.parameters())
    with pytest.raises(ValueError, match="width must be an integer >= 4 and <= 256"):
        SEDigitNet(width=10**6)
    with pytest.raises(TypeError, match="se must be True or False"):
        SEDigitNet(se="yes")
    with pytest.raises(ValueError, match=r"x must be \(N, 1, 28, 28\) for SEDigitNet"):
        plain(torch.zeros(1, 1, 20, 20))


def test_se_channel_weights_in_batches_equal_one_pass():
    net = SEDigitNet(width=8, seed=2)
    x = torch.rand(37, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        net(x)
    whole = {name: getattr(net, name).last_scale.numpy() for name in ("se2", "se3")}
    net.train()
    for batch_size in (1, 7, 37, 1000):
        weights = net.channel_weights(x, batch_size=batch_size)
        assert sorted(weights) == ["se2", "se3"] and net.training  # mode restored
        for name, w in weights.items():
            assert w.shape == (37, 16) and w.dtype == np.float32
            np.testing.assert_allclose(w, whole[name], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="built with se=False"):
        SEDigitNet(width=8, se=False).channel_weights(x)
    with pytest.raises(ValueError, match=r"batch_size must be an integer >= 1 and <= 100000"):
        net.channel_weights(x, batch_size=0)
    with pytest.raises(TypeError, match="x must be"):
        net.channel_weights(x.numpy())


# -- spatial transformers ------------------------------------------------------------------------
def test_affine_theta_matches_opencv_rotation_matrix():
    # Same warp as cv2.getRotationMatrix2D about the centre, plus a shift of t * W / 2 pixels.
    cv2 = pytest.importorskip("cv2")
    w = 40
    img = np.zeros((w, w), np.float32)
    img[10:14, 24:27] = 1
    img[20, 20] = 1
    for angle, scale, tx, ty in [(30, 1.0, 0, 0), (0, 1.5, 0, 0), (0, 1, 0.25, -0.1),
                                 (-40, 0.8, 0.1, 0.2)]:
        theta = torch.from_numpy(affine_theta([angle], [scale], [tx], [ty]))
        grid = F.affine_grid(theta, [1, 1, w, w], align_corners=False)
        ours = F.grid_sample(torch.from_numpy(img)[None, None], grid, align_corners=False)[0, 0]
        m = cv2.getRotationMatrix2D((w / 2 - 0.5, w / 2 - 0.5), angle, scale)
        m[:, 2] += (tx * w / 2, ty * w / 2)
        ref = cv2.warpAffine(img, m, (w, w), flags=cv2.INTER_LINEAR)
        np.testing.assert_allclose(ours.numpy(), ref, atol=0.02)  # OpenCV's fixed-point weights


def test_warp_digits_is_seeded_and_bounded():
    digits = np.zeros((4, 28, 28), np.uint8)
    digits[:, 10:18, 12:16] = 255
    a, theta = warp_digits(digits, rng=5)
    b, _ = warp_digits(digits, rng=5)
    assert a.shape == (4, 40, 40) and a.dtype == np.float32 and np.array_equal(a, b)
    assert theta.shape == (4, 2, 3) and 0 <= a.min() and a.max() <= 1
    still, _ = warp_digits(digits, rng=0, max_angle=0, scale_range=(1, 1), max_shift=0)
    np.testing.assert_allclose(still[:, 6:34, 6:34], digits / 255, atol=1e-6)  # just centred
    with pytest.raises(ValueError, match="canvas must be an integer >= 8 and <= 128"):
        warp_digits(digits, rng=0, canvas=10**5)
    with pytest.raises(ValueError, match="no larger than canvas"):
        warp_digits(digits, rng=0, canvas=20)
    with pytest.raises(ValueError, match="max_angle must be >= 0 and <= 180"):
        warp_digits(digits, rng=0, max_angle=200)
    with pytest.raises(ValueError, match="max_angle must be finite"):
        warp_digits(digits, rng=0, max_angle=float("inf"))
    with pytest.raises(ValueError, match="scale must be > 0"):
        affine_theta([0.0], [0.0], [0.0], [0.0])


def test_spatial_transformer_starts_as_identity_and_learns_a_shift():
    stn = SpatialTransformer(32, seed=0)
    x = torch.rand(4, 1, 32, 32)
    torch.testing.assert_close(stn(x), x, atol=1e-5, rtol=0)
    np.testing.assert_allclose(stn.last_theta[0].numpy(), [[1, 0, 0], [0, 1, 0]], atol=1e-7)
    # Supervised only by the output, it learns to move every blob back to the centre.
    rng = np.random.default_rng(0)
    blobs = np.zeros((64, 1, 32, 32), np.float32)
    target = np.zeros_like(blobs)
    target[:, :, 13:19, 13:19] = 1
    for i, (dy, dx) in enumerate(rng.integers(-6, 7, (64, 2))):
        blobs[i, :, 13 + dy:19 + dy, 13 + dx:19 + dx] = 1
    with torch.no_grad():
        start = float(F.mse_loss(stn(torch.from_numpy(blobs)), torch.from_numpy(target)))
    stn, history = fit(stn, (torch.from_numpy(blobs), torch.from_numpy(target)), loss=F.mse_loss,
                       epochs=60, lr=3e-3, batch_size=32, progress=False)
    assert history.loss[-1] < 0.5 * start


def test_stn_classifier_with_and_without_transformer():
    base = STNClassifier(WarpedDigitClassifier(40, 8, seed=1))
    with_stn = STNClassifier(WarpedDigitClassifier(40, 8, seed=1), SpatialTransformer(40))
    x = torch.rand(3, 1, 40, 40)
    # The transformer starts as the identity, so both nets start with the same predictions.
    torch.testing.assert_close(base(x), with_stn(x), atol=1e-5, rtol=1e-4)
    with pytest.raises(TypeError, match="classifier must be a torch.nn.Module"):
        STNClassifier("cnn")
    with pytest.raises(ValueError, match="size must be an integer >= 32 and <= 128"):
        SpatialTransformer(10**4)
    with pytest.raises(ValueError, match=r"x must be \(N, 1, 40, 40\)"):
        with_stn(torch.zeros(1, 1, 32, 32))
    with pytest.raises(ValueError, match="x contains NaN"):
        base(torch.full((1, 1, 40, 40), float("nan")))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        SpatialTransformer(40)(np.zeros((1, 1, 40, 40)))


# -- memory networks -------------------------------------------------------------------------
def test_location_stories_support_and_answer_are_consistent():
    data = make_location_stories(200, rng=3, slots=6)
    x, answers, support = data["inputs"], data["answers"], data["support"]
    assert x.shape == (200, 7, 5) and answers.shape == support.shape == (200,)
    for story, answer, slot in zip(x, answers, support, strict=True):
        person = story[-1, 2]
        about = [i for i in range(6) if story[i, 0] == person]
        assert about and slot == max(about) and story[slot, 4] == answer
    text = story_text(x[0])
    assert text[-1].startswith("where is ") and text[-1].split()[2] in STORY_PEOPLE
    assert make_location_stories(3, rng=3)["inputs"].tolist() == \
        make_location_stories(3, rng=3)["inputs"].tolist()
    with pytest.raises(ValueError, match="n must be an integer >= 1 and <= 100000"):
        make_location_stories(10**9, rng=0)
    with pytest.raises(ValueError, match=r"sentences\[0\] must be an integer >= 1 and <= 4"):
        make_location_stories(3, rng=0, sentences=(5, 9), slots=4)


def test_memory_network_learns_to_attend_to_the_supporting_sentence():
    train, test = make_location_stories(1500, rng=1), make_location_stories(300, rng=2)
    net = MemoryNetwork(slots=8, dim=20, seed=0)
    net, history = fit(net, (torch.from_numpy(train["inputs"]), torch.from_numpy(train["answers"])),
                       loss=F.cross_entropy, epochs=5, lr=1e-2, batch_size=32,
                       val=(torch.from_numpy(test["inputs"]), torch.from_numpy(test["answers"])),
                       metrics={"accuracy": accuracy}, progress=False)
    assert history.metrics["accuracy"][-1] > 0.9
    with torch.no_grad():
        net(torch.from_numpy(test["inputs"]))
    attention = net.last_attention[:, 0].numpy()
    assert attention.shape == (300, 8)
    np.testing.assert_allclose(attention.sum(1), 1, rtol=1e-5)
    empty = (test["inputs"][:, :-1] == 0).all(2)
    assert np.all(attention[empty] == 0)  # padded slots get no attention
    assert (attention.argmax(1) == test["support"]).mean() > 0.8
    assert len(STORY_VOCAB) == net.answer.out_features
    with pytest.raises(ValueError, match=r"inputs must be \(N, 9, words\)"):
        net(torch.zeros(2, 3, 5, dtype=torch.long))
    with pytest.raises(ValueError, match="inputs must hold word ids"):
        net(torch.full((2, 9, 5), len(STORY_VOCAB), dtype=torch.long))
    with pytest.raises(TypeError, match="inputs must hold integer word ids"):
        net(torch.zeros(2, 9, 5))
    with pytest.raises(ValueError, match="inputs must not be empty"):
        story_text(np.zeros((0, 5), np.int64))
