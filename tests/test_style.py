"""helpers.style: Gram matrices, content/style/TV costs, the image optimisation; its checks and
its explorer (chapter 16)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import style
from helpers.checks.style import check_gram_matrix, check_style_layer_cost


# -- the costs on numpy arrays (checkable by hand) ----------------------------------------------
def test_gram_matrix_by_hand_and_against_einsum():
    a = np.array([[[1.0, 2.0]], [[0.0, 3.0]]])
    np.testing.assert_array_equal(style.gram_matrix(a), [[5.0, 6.0], [6.0, 9.0]])
    rng = np.random.default_rng(0)
    f = rng.standard_normal((2, 6, 5, 7))
    g = style.gram_matrix(f)
    np.testing.assert_allclose(g, np.einsum("nchw,ndhw->ncd", f, f), rtol=1e-12)
    assert g.shape == (2, 6, 6) and np.allclose(g, g.transpose(0, 2, 1))
    # A Gram matrix ignores where features are: shuffling positions changes nothing.
    flat = f[0].reshape(6, -1)
    shuffled = flat[:, rng.permutation(35)].reshape(6, 5, 7)
    np.testing.assert_allclose(style.gram_matrix(shuffled), g[0], rtol=1e-12)


def test_content_cost_is_half_the_squared_distance():
    rng = np.random.default_rng(1)
    c, g = rng.random((3, 4, 4)), rng.random((3, 4, 4))
    assert style.content_cost(c, g) == pytest.approx(0.5 * np.sum((c - g) ** 2))
    assert style.content_cost(c, c) == 0.0


def test_style_layer_cost_is_the_notes_formula_for_equal_sizes():
    rng = np.random.default_rng(2)
    s, g = rng.random((5, 3, 4)), rng.random((5, 3, 4))
    n, m = 5, 12
    notes = np.sum((style.gram_matrix(s) - style.gram_matrix(g)) ** 2) / (4 * n**2 * m**2)
    assert style.style_layer_cost(s, g) == pytest.approx(notes, rel=1e-12)
    # Another size with the same statistics costs (almost) nothing: tile the style map.
    assert style.style_layer_cost(s, np.tile(s, (1, 2, 2))) == pytest.approx(0.0, abs=1e-12)


def test_style_cost_weights_layers():
    s = [np.ones((1, 1, 2)), np.ones((2, 1, 1))]
    g = [np.zeros((1, 1, 2)), np.ones((2, 1, 1))]
    assert style.style_cost(s, g) == pytest.approx(0.125)
    assert style.style_cost(s, g, weights=[2.0, 5.0]) == pytest.approx(0.5)


def test_total_variation_naive_equals_fast_and_counts_steps():
    rng = np.random.default_rng(3)
    for shape in [(1, 1), (4, 5), (2, 3, 6, 5)]:
        x = rng.random(shape)
        assert style.total_variation(x) == pytest.approx(style.total_variation_naive(x), rel=1e-12)
    step = np.zeros((4, 6))
    step[:, 3:] = 1.0  # one vertical edge of height 4
    assert style.total_variation(step) == 4.0
    assert style.total_variation(np.full((5, 5), 0.3)) == 0.0


def test_costs_agree_with_torch_and_have_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    s, g = rng.random((1, 4, 6, 6)), rng.random((1, 4, 5, 7))
    ts = torch.tensor(s)
    tg = torch.tensor(g, requires_grad=True)
    cost = style.style_layer_cost(ts, tg)
    assert float(cost.detach()) == pytest.approx(style.style_layer_cost(s, g), rel=1e-10)
    cost.backward()
    assert tg.grad is not None and tg.grad.abs().sum() > 0
    # Total variation matches its torch formulation (as in kornia's total_variation, L1).
    x = torch.tensor(rng.random((2, 3, 8, 9)))
    ref = (x[..., 1:, :] - x[..., :-1, :]).abs().sum() + (x[..., 1:] - x[..., :-1]).abs().sum()
    assert float(style.total_variation(x)) == pytest.approx(float(ref))
    assert style.total_variation(x.numpy()) == pytest.approx(float(ref))


def test_cost_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"features must be 3-D or 4-D \(C, H, W\)"):
        style.gram_matrix(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="features contains NaN"):
        style.gram_matrix(np.full((1, 2, 2), np.nan))
    with pytest.raises(ValueError, match="features has 5000 channels; at most 4096"):
        style.gram_matrix(np.zeros((5000, 1, 1), np.float32))
    with pytest.raises(ValueError, match="must have the same shape"):
        style.content_cost(np.zeros((1, 2, 2)), np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="same channels"):
        style.style_layer_cost(np.zeros((2, 2, 2)), np.zeros((3, 2, 2)))
    with pytest.raises(TypeError, match="both be numpy arrays or both torch tensors"):
        torch = pytest.importorskip("torch")
        style.content_cost(np.zeros((1, 2, 2)), torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match=r"images must be \(H, W\) or \(N, C, H, W\).*to_batch"):
        style.total_variation(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="weights must give one number per layer"):
        style.style_cost([np.ones((1, 1, 1))], [np.ones((1, 1, 1))], weights=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"weights\[0\] must be >= 0"):
        style.style_cost([np.ones((1, 1, 1))], [np.ones((1, 1, 1))], weights=[-1.0])
    with pytest.raises(TypeError, match="must be lists of feature maps"):
        style.style_cost(np.ones((1, 1, 1)), np.ones((1, 1, 1)))


def test_make_painting_is_seeded_and_colourful():
    a, b = style.make_painting(64, rng=1), style.make_painting(64, rng=1)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8 and np.array_equal(a, b)
    assert not np.array_equal(a, style.make_painting(64, rng=2))
    assert a.std(axis=(0, 1)).min() > 20  # strong contrast in every channel
    with pytest.raises(ValueError, match="size must be an integer >= 32 and <= 1024"):
        style.make_painting(100_000)
    with pytest.raises(ValueError, match="strokes must be an integer >= 1 and <= 20000"):
        style.make_painting(64, strokes=10**9)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        style.make_painting(64, rng="seed")


# -- the optimisation with the real network ------------------------------------------------------
@pytest.fixture(scope="module")
def net():
    pytest.importorskip("torch")
    from helpers.nets.pretrained import load_imagenet_net

    return load_imagenet_net()


def test_style_transfer_lowers_the_style_cost_tenfold(net):
    from helpers.data import load_photo

    res = style.style_transfer(load_photo("chelsea"), style.make_painting(128), net=net,
                               steps=40, max_side=96, snapshot_every=20, progress=False)
    assert res.image.shape == (64, 96, 3) and res.image.dtype == np.float32
    assert 0 <= res.image.min() and res.image.max() <= 1
    assert res.costs["content"][0] == pytest.approx(0.0, abs=1e-4)  # starts from the content
    assert res.style_reduction >= 10, res.costs["style"][::10]
    assert [s for s, _ in res.snapshots] == [0, 20, 40]
    assert np.array_equal(res.snapshots[-1][1], res.image)
    assert len(res.costs["total"]) == 41 and res.seconds > 0


def test_pixel_adam_takes_the_same_steps_as_torch_optim_adam(net):
    # style_transfer writes Adam out on the pixels; torch.optim.Adam (the reference) on the
    # same costs, with the same clip after each step, must end at the same image.
    import torch

    from helpers.data import load_photo
    from helpers.image import from_batch, to_tensor

    layers = list(style.STYLE_LAYERS)
    res = style.style_transfer(load_photo("chelsea"), style.make_painting(64), net=net, steps=6,
                               max_side=48, lr=0.02, tv_weight=1.0, progress=False)
    with torch.no_grad():
        content = net.features(to_tensor(res.content[None]), [style.CONTENT_LAYER])
        targets = net.features(to_tensor(res.style[None]), layers)
    x = to_tensor(res.content[None]).requires_grad_(True)
    adam = torch.optim.Adam([x], lr=0.02, betas=style.ADAM_BETAS, eps=style.ADAM_EPS)
    for _ in range(6):
        feats = net.features(x, layers)
        total = (style.content_cost(content[style.CONTENT_LAYER], feats[style.CONTENT_LAYER])
                 + 1e5 * style.style_cost([targets[n] for n in layers], [feats[n] for n in layers])
                 + 1.0 * style.total_variation(x))
        (x.grad,) = torch.autograd.grad(total, [x])
        adam.step()
        with torch.no_grad():
            x.clamp_(0, 1)
    np.testing.assert_allclose(res.image, from_batch(x.detach())[0], atol=1e-5)
    assert np.abs(res.image - res.content).max() > 0.05          # it did move


def test_reconstruction_from_one_layer(net):
    from helpers.data import load_photo

    photo = load_photo("coffee")
    content = style.reconstruct_from_layer(photo, net=net, layer="stage1", steps=30,
                                           max_side=64)
    assert content.costs["content"][-1] < 0.2 * content.costs["content"][0]
    texture = style.reconstruct_from_layer(photo, net=net, layer="stage2", kind="style",
                                           steps=30, max_side=64)
    assert texture.costs["style"][-1] < 0.2 * texture.costs["style"][0]
    assert texture.style is not None and texture.content is None


def test_style_transfer_errors(net):
    from helpers.data import load_photo

    photo = load_photo("coffee")
    with pytest.raises(TypeError, match="net must be the course's feature network"):
        style.style_transfer(photo, photo, net="vgg19")
    with pytest.raises(ValueError, match="content_layer must be one of"):
        style.style_transfer(photo, photo, net=net, content_layer="conv4_2")
    with pytest.raises(TypeError, match="content_layer must be a stage name"):
        style.style_transfer(photo, photo, net=net, content_layer=None)
    with pytest.raises(TypeError, match=r"style_layers\[1\] must be a stage name"):
        style.style_transfer(photo, photo, net=net, style_layers=["stem", 3])
    with pytest.raises(ValueError, match="layer must be one of 'stem'"):
        style.reconstruct_from_layer(photo, net=net, layer="conv4_2")
    with pytest.raises(ValueError, match="steps must be an integer >= 1 and <= 5000"):
        style.style_transfer(photo, photo, net=net, steps=10**9)
    with pytest.raises(ValueError, match="max_side must be an integer >= 16 and <= 512"):
        style.style_transfer(photo, photo, net=net, max_side=10**6)
    with pytest.raises(ValueError, match="style_weight must be >= 0"):
        style.style_transfer(photo, photo, net=net, style_weight=-1.0)
    with pytest.raises(ValueError, match="all 0: nothing to minimise"):
        style.style_transfer(photo, photo, net=net, content_weight=0.0, style_weight=0.0)
    with pytest.raises(ValueError, match="style must have 3 channels"):
        style.style_transfer(photo, np.zeros((8, 8, 4)), net=net)
    with pytest.raises(ValueError, match="kind must be one of 'content', 'style'"):
        style.reconstruct_from_layer(photo, net=net, layer="stage1", kind="texture")
    with pytest.raises(ValueError, match="style_weights must hold 1 to 12 values"):
        style.style_weight_grid(photo, photo, net=net, style_weights=[1.0] * 50)


# -- checks and explorer -------------------------------------------------------------------------
def test_check_gram_matrix_pass_fail_not_attempted():
    def correct(features):
        f = features.reshape(features.shape[0], -1)
        return f @ f.T

    def wrong(features):  # normalised by the number of positions: not the notes' Gram matrix
        f = features.reshape(features.shape[0], -1)
        return f @ f.T / f.shape[1]

    def stub(features):
        raise NotImplementedError

    assert check_gram_matrix(correct).status == "passed"
    result = check_gram_matrix(wrong)
    assert result.status == "failed" and "case 1/5 (one channel of a 1x2 map)" in result.message
    assert check_gram_matrix(stub).status == "not attempted"


def test_check_style_layer_cost_pass_fail_not_attempted():
    def correct(s, g):
        n, m = s.shape[0], s.shape[1] * s.shape[2]
        fs, fg = s.reshape(n, m), g.reshape(n, m)
        return float(np.sum((fs @ fs.T - fg @ fg.T) ** 2) / (4 * n**2 * m**2))

    def wrong(s, g):  # forgot the square of n and m
        n, m = s.shape[0], s.shape[1] * s.shape[2]
        fs, fg = s.reshape(n, m), g.reshape(n, m)
        return float(np.sum((fs @ fs.T - fg @ fg.T) ** 2) / (4 * n * m))

    def stub(s, g):
        raise NotImplementedError

    assert check_style_layer_cost(correct).status == "passed"
    result = check_style_layer_cost(wrong)
    assert result.status == "failed" and "case 1/5" in result.message
    assert check_style_layer_cost(stub).status == "not attempted"


def test_style_weight_explorer_looks_up_the_grid(net):
    from helpers.data import load_photo
    from helpers.widgets.style import style_weight_explorer

    grid = style.style_weight_grid(load_photo("chelsea"), style.make_painting(64), net=net,
                                   style_weights=[1e3, 1e5], steps=6, max_side=48,
                                   snapshot_every=3)
    ex = style_weight_explorer(grid)
    assert ex.error is None and "step 6" in ex.readout.value
    ex.set(style_weight=1e5, step=3)
    assert ex.result["style_weight"] == 1e5
    np.testing.assert_array_equal(ex.result["image"], grid[1e5].snapshots[1][1])
    assert ex.result["style_cost"] == grid[1e5].costs["style"][3]
    assert "β = 1e+05, step 3" in ex.readout.value
    with pytest.raises(TypeError, match="grid must be the dict returned by"):
        style_weight_explorer([1, 2])
    with pytest.raises(ValueError, match="StyleTransferResults with snapshots"):
        style_weight_explorer({1.0: "image"})


# -- figures ------------------------------------------------------------------------------------
def test_style_figures_draw_and_refuse_bad_input():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers import style_plots

    rng = np.random.default_rng(5)
    fig = style_plots.show_activation_rows({"a": rng.standard_normal((6, 5, 5)),
                                            "b": rng.random((1, 3, 4, 4))}, channels=4)
    assert len(fig.axes) >= 8
    fig = style_plots.show_gram_matrices({"x": rng.random((4, 4)), "y": -rng.random((4, 4))})
    assert fig.axes[0].images[0].get_cmap().name == "RdBu_r"  # signed values: diverging colours
    costs = {"content": [0.0, 5.0, 4.0], "style": [9.0, 3.0, 1.0], "tv": [1.0, 2.0, 2.5],
             "total": [1.0, 1.0, 1.0]}
    result = style.StyleTransferResult(image=np.zeros((4, 4, 3)), content=None, style=None,
                                       costs=costs)
    fig = style_plots.plot_style_costs(result)
    assert fig.axes[1].get_yscale() == "log" and "9 -> 1" in fig.axes[1].get_title()
    fig = style_plots.show_layer_reconstructions({("content", "stage1"): result},
                                                 {"content": np.zeros((4, 4, 3))})
    assert fig.axes[1].get_title() == "content of stage1"
    plt.close("all")
    with pytest.raises(TypeError, match="maps must be a dict"):
        style_plots.show_activation_rows([np.zeros((1, 2, 2))])
    with pytest.raises(ValueError, match="channels must be an integer >= 1 and <= 12"):
        style_plots.show_activation_rows({"a": np.zeros((1, 2, 2))}, channels=100)
    with pytest.raises(TypeError, match="result must be a StyleTransferResult"):
        style_plots.plot_style_costs({"style": [1.0]})
    with pytest.raises(TypeError, match=r"size must be a \(width, height\) pair"):
        style_plots.plot_style_costs(result, size=None)
    with pytest.raises(ValueError, match="size must be > 0"):
        style_plots.show_gram_matrices({"x": np.eye(2)}, size=-1.0)
    with pytest.raises(ValueError, match=r"results keys must be \(kind, layer\)"):
        style_plots.show_layer_reconstructions({"stage1": result}, {})
