"""helpers.gradcam: Grad-CAM step by step, agreement with the grad-cam package, saliency; the
chapter 17 check and explorer.

Reference: ``pytorch_grad_cam.GradCAM`` (grad-cam 1.5.7), a test-only dependency. Its conventions:
channel weights are the mean gradient (as ours), the map is ReLU'd, min-max scaled and resized
with ``cv2.resize`` (bilinear, half-pixel centres, as our ``upsample_map``). We compare with the
Pearson correlation (target >= 0.99; scaling conventions do not change it) on the same model,
layer and class, and also value by value after both are scaled to [0, 1].
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import gradcam
from helpers.checks.gradcam import check_gradcam_map

torch = pytest.importorskip("torch")


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def reference_cams(model, x, layer, classes):
    pgc = pytest.importorskip("pytorch_grad_cam")
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    with pgc.GradCAM(model=model, target_layers=[layer]) as cam:
        return cam(input_tensor=x, targets=[ClassifierOutputTarget(int(c)) for c in classes])


# -- steps 2-4 in numpy ----------------------------------------------------------------------
def test_channel_weights_and_map_by_hand():
    g = np.array([[[1.0, 3.0]], [[-2.0, 0.0]]])
    np.testing.assert_array_equal(gradcam.gradcam_channel_weights(g), [2.0, -1.0])
    a = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    np.testing.assert_array_equal(gradcam.gradcam_map(a, np.array([2.0, -1.0])), [[2.0, 0.0]])
    # Batched and tensor inputs give the same numbers.
    rng = np.random.default_rng(0)
    acts, grads = rng.random((2, 4, 3, 3)), rng.standard_normal((2, 4, 3, 3))
    w = gradcam.gradcam_channel_weights(grads)
    np.testing.assert_allclose(
        gradcam.gradcam_map(acts, w)[1],
        gradcam.gradcam_map(acts[1], gradcam.gradcam_channel_weights(grads[1])))
    tw = gradcam.gradcam_channel_weights(torch.tensor(grads))
    np.testing.assert_allclose(gradcam.gradcam_map(torch.tensor(acts), tw).numpy(),
                               gradcam.gradcam_map(acts, w))


def test_upsample_map_matches_opencv_and_torch():
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(1)
    for h, w, out in [(7, 7, (224, 224)), (14, 9, (50, 61)), (1, 1, (5, 5)), (3, 8, (3, 8))]:
        cam = rng.random((h, w)).astype(np.float32)
        ours = gradcam.upsample_map(cam, out, normalize=False)
        ref_cv = cv2.resize(cam, (out[1], out[0]), interpolation=cv2.INTER_LINEAR)
        ref_torch = torch.nn.functional.interpolate(
            torch.from_numpy(cam)[None, None], size=out, mode="bilinear",
            align_corners=False)[0, 0].numpy()
        np.testing.assert_allclose(ours, ref_torch, atol=1e-5)
        # OpenCV's fixed-point weights differ from the exact ones by up to ~1e-3.
        np.testing.assert_allclose(ours, ref_cv, atol=2e-3)
    scaled = gradcam.upsample_map(np.array([[1.0, 3.0]]), (1, 2))
    np.testing.assert_allclose(scaled, [[0.0, 1.0]])
    assert gradcam.upsample_map(np.full((2, 2), 5.0), (4, 4)).max() == 0.0  # flat map -> 0


# -- step 1 and agreement with the grad-cam package ------------------------------------------
@pytest.fixture(scope="module")
def digit_net():
    from helpers.nets.inside import SEDigitNet

    torch.manual_seed(0)
    return SEDigitNet(width=8, seed=3).eval()


def test_agrees_with_pytorch_grad_cam_on_a_digit_net(digit_net):
    rng = np.random.default_rng(2)
    x = torch.from_numpy(rng.random((6, 1, 28, 28)).astype(np.float32))
    classes = rng.integers(0, 10, 6)
    for layer in (digit_net.conv2, digit_net.conv3):
        ours = gradcam.grad_cam(digit_net, x, layer=layer, class_index=classes)
        ref = reference_cams(digit_net, x, layer, classes)
        for o, r in zip(ours.heatmap, ref, strict=True):
            if r.max() > 0:
                assert pearson(o, r) >= 0.99
                np.testing.assert_allclose(o, r, atol=5e-3)


def test_agrees_with_pytorch_grad_cam_on_the_pretrained_net():
    from helpers.data import load_photo
    from helpers.nets.pretrained import imagenet_input, load_imagenet_net

    net = load_imagenet_net(fallback=False)
    x = torch.cat([imagenet_input(load_photo(n)) for n in ("chelsea", "coffee", "astronaut")])
    for stage in ("stage5", "head"):
        ours = gradcam.grad_cam(net, x, layer=net.layers[stage])
        np.testing.assert_array_equal(ours.class_index[:2], [285, 967])
        ref = reference_cams(net, x, net.layers[stage], ours.class_index)
        for o, r in zip(ours.heatmap, ref, strict=True):
            assert pearson(o, r) >= 0.99


def test_grad_cam_intermediates_and_no_side_effects(digit_net):
    x = torch.rand(3, 1, 28, 28)
    digit_net.zero_grad(set_to_none=True)  # the grad-cam package's backward() left some
    digit_net.train()
    res = gradcam.grad_cam(digit_net, x, layer=digit_net.conv3, class_index=4)
    assert digit_net.training  # mode restored
    assert all(p.grad is None for p in digit_net.parameters())  # weights untouched
    assert res.heatmap.shape == (3, 28, 28) and res.coarse.shape == (3, 14, 14)
    assert res.weights.shape == (3, 16) and res.activations.shape == (3, 16, 14, 14)
    np.testing.assert_array_equal(res.class_index, [4, 4, 4])
    # The hooks caught exactly what autograd gives for the class score.
    np.testing.assert_allclose(res.weights, res.gradients.mean(axis=(2, 3)), rtol=1e-6)
    np.testing.assert_allclose(
        res.coarse, np.maximum((res.weights[:, :, None, None] * res.activations).sum(1), 0),
        rtol=1e-5, atol=1e-7)
    with torch.no_grad():
        np.testing.assert_allclose(res.scores, digit_net(x)[:, 4].numpy(), rtol=1e-5)
    assert not digit_net.conv3._forward_hooks  # hooks removed


def test_saliency_map_is_the_input_gradient(digit_net):
    x = torch.rand(2, 1, 28, 28, requires_grad=True)
    sal = gradcam.saliency_map(digit_net, x.detach(), class_index=[3, 7])
    digit_net.eval()
    (digit_net(x)[0, 3] + digit_net(x)[1, 7]).backward()
    ref = x.grad.abs().amax(1).numpy()
    ref /= ref.reshape(2, -1).max(1)[:, None, None]
    np.testing.assert_allclose(sal, ref, rtol=1e-5, atol=1e-6)


def test_precompute_equals_grad_cam(digit_net):
    x = torch.rand(2, 1, 28, 28)
    classes = np.array([[1, 5, 9], [0, 2, 3]])
    table = gradcam.gradcam_precompute(digit_net, x, layers={"c2": digit_net.conv2,
                                                             "c3": digit_net.conv3},
                                       class_indices=classes)
    for k in range(3):
        ref = gradcam.grad_cam(digit_net, x, layer=digit_net.conv2, class_index=classes[:, k])
        np.testing.assert_allclose(table["weights"]["c2"][:, k], ref.weights, rtol=1e-5,
                                   atol=1e-8)
    np.testing.assert_allclose(table["activations"]["c3"].shape, (2, 16, 14, 14))


def test_errors_name_the_argument(digit_net):
    x = torch.rand(2, 1, 28, 28)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        gradcam.grad_cam("resnet", x, layer=digit_net.conv3)
    with pytest.raises(TypeError, match="layer must be a torch.nn.Module inside model"):
        gradcam.grad_cam(digit_net, x, layer="conv3")
    with pytest.raises(ValueError, match="layer must be one of model's own modules"):
        gradcam.grad_cam(digit_net, x, layer=torch.nn.Conv2d(1, 1, 1))
    with pytest.raises(TypeError, match=r"images must be an \(N, C, H, W\) float tensor"):
        gradcam.grad_cam(digit_net, x.numpy(), layer=digit_net.conv3)
    with pytest.raises(ValueError, match="at most 256 images"):
        gradcam.grad_cam(digit_net, torch.zeros(300, 1, 28, 28), layer=digit_net.conv3)
    with pytest.raises(ValueError, match=r"class_index must lie in 0..9"):
        gradcam.grad_cam(digit_net, x, layer=digit_net.conv3, class_index=10)
    with pytest.raises(ValueError, match="one class per image"):
        gradcam.grad_cam(digit_net, x, layer=digit_net.conv3, class_index=[1, 2, 3])
    with pytest.raises(ValueError, match="threads must be an integer >= 1"):
        gradcam.saliency_map(digit_net, x, threads=0)
    with pytest.raises(ValueError, match=r"weights must have shape \(3,\)"):
        gradcam.gradcam_map(np.zeros((3, 2, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="gradients must be 3-D or 4-D"):
        gradcam.gradcam_channel_weights(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"size\[0\] must be an integer >= 1 and <= 4096"):
        gradcam.upsample_map(np.zeros((2, 2)), (10**6, 4))
    with pytest.raises(TypeError, match=r"size must be a tuple \(H, W\)"):
        gradcam.upsample_map(np.zeros((2, 2)), 224)


# -- the exercise check ---------------------------------------------------------------------
def test_check_gradcam_map_pass_fail_not_attempted():
    def correct(activations, gradients):
        weights = gradients.mean(axis=(1, 2))
        return np.maximum(np.tensordot(weights, activations, axes=1), 0)

    def no_relu(activations, gradients):
        return np.tensordot(gradients.mean(axis=(1, 2)), activations, axes=1)

    def stub(activations, gradients):
        raise NotImplementedError

    assert check_gradcam_map(correct).status == "passed"
    result = check_gradcam_map(no_relu)
    assert result.status == "failed" and "case 2/6 (two channels, one with a negative" in \
        result.message
    assert check_gradcam_map(stub).status == "not attempted"


# -- the explorer ---------------------------------------------------------------------------
def test_gradcam_explorer_computes_what_grad_cam_computes():
    from helpers.data import load_photo
    from helpers.nets.pretrained import imagenet_input, load_imagenet_net
    from helpers.widgets.gradcam import gradcam_explorer

    net = load_imagenet_net(fallback=False)
    ex = gradcam_explorer(net, {"chelsea": load_photo("chelsea"), "coffee": load_photo("coffee")},
                          layers=("stage5", "head"), top_k=3)
    assert ex.error is None and "Egyptian cat" in ex.readout.value
    ex.set(photo="coffee", layer="stage5", rank=1)
    ref = gradcam.grad_cam(net, imagenet_input(load_photo("coffee")), layer=net.layers["stage5"],
                           class_index=ex.result["class_index"])
    np.testing.assert_allclose(ex.result["heatmap"], ref.heatmap[0], atol=1e-4)
    assert ex.result["class_name"] == "cup" and "at stage5" in ex.readout.value
    ex.controls["opacity"].value = 0.0
    assert ex.error is None
    with pytest.raises(ValueError, match="layers must be stages of net"):
        gradcam_explorer(net, {"coffee": load_photo("coffee")}, layers=("conv5_3",))
    with pytest.raises(ValueError, match="top_k must be an integer >= 1 and <= 10"):
        gradcam_explorer(net, {"coffee": load_photo("coffee")}, top_k=50)


# -- figures --------------------------------------------------------------------------------
def test_inside_figures_draw_and_refuse_bad_input(digit_net):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers import inside_plots

    images = np.random.default_rng(3).random((2, 28, 28)).astype(np.float32)
    res = gradcam.grad_cam(digit_net, torch.from_numpy(images)[:, None], layer=digit_net.conv3)
    fig = inside_plots.show_gradcam_overlays(list(images), list(res.heatmap), ["a", "b"])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["a", "b"]
    fig = inside_plots.plot_gradcam_steps(images[0], res, channels=2)
    assert "weights > 0" in fig.axes[2].get_title()
    fig = inside_plots.show_stn_warps(images, images)
    assert fig.axes[0].get_ylabel() == "input"
    fig = inside_plots.plot_se_channel_weights({"se": np.full((10, 4), 0.5)})
    assert "spread between classes 0.000" in fig.axes[0].get_title()
    fig = inside_plots.plot_memory_attention(["a.", "", "where ?"], np.array([0.9, 0.1]),
                                             support=0)
    assert fig.axes[0].get_title() == "question: where ?"
    plt.close("all")
    with pytest.raises(ValueError, match="same, non-zero length"):
        inside_plots.show_gradcam_overlays(list(images), [])
    with pytest.raises(TypeError, match="result must be a GradCAMResult"):
        inside_plots.plot_gradcam_steps(images[0], "cam")
    with pytest.raises(ValueError, match="the same 1 to 16 digits"):
        inside_plots.show_stn_warps(np.zeros((20, 4, 4)), np.zeros((20, 4, 4)))
    with pytest.raises(ValueError, match="one sentence per slot"):
        inside_plots.plot_memory_attention(["a."], np.array([1.0]))
    with pytest.raises(TypeError, match="images must be a list"):
        inside_plots.show_gradcam_overlays(3, [])
    with pytest.raises(ValueError, match="titles must have one entry per image"):
        inside_plots.show_gradcam_overlays(list(images), list(res.heatmap), ["a"])
    with pytest.raises(ValueError, match="size must be > 0"):
        inside_plots.plot_gradcam_steps(images[0], res, size=0.0)
    with pytest.raises(TypeError, match=r"lines\[1\] must be a string"):
        inside_plots.plot_memory_attention(["a.", 2, "where ?"], np.array([0.9, 0.1]))
    with pytest.raises(ValueError, match="support must be an integer >= 0 and <= 1"):
        inside_plots.plot_memory_attention(["a.", "", "where ?"], np.array([0.9, 0.1]), support=5)


def test_gradcam_explorer_class_refuses_bad_parts_by_name():
    from helpers.nets.pretrained import ImageNetNet
    from helpers.widgets.gradcam import GradCAMExplorer, gradcam_explorer

    nn = torch.nn
    torch.manual_seed(0)
    net = ImageNetNet({"stage5": nn.Conv2d(3, 4, 3, stride=8, padding=1),
                       "head": nn.Conv2d(4, 8, 1)}, nn.Linear(8, 1000)).eval()
    photo = np.random.default_rng(0).integers(0, 255, (40, 50, 3), dtype=np.uint8)
    ex = gradcam_explorer(net, {"a": photo}, layers=("stage5", "head"), top_k=2)
    assert ex.error is None
    parts = ex.photos, ex.table, ex.labels, ex.layer_info
    assert GradCAMExplorer(*parts).error is None
    with pytest.raises(TypeError, match="photos must be a dict of 1 to 8"):
        GradCAMExplorer([photo], *parts[1:])
    with pytest.raises(TypeError, match="table must be the dict of gradcam_precompute"):
        GradCAMExplorer(parts[0], {}, *parts[2:])
    with pytest.raises(TypeError, match="labels must be a list with one list"):
        GradCAMExplorer(*parts[:2], "labels", parts[3])
    with pytest.raises(TypeError, match=r"labels\[0\] must be a list of 2"):
        GradCAMExplorer(*parts[:2], [[object()]], parts[3])
    with pytest.raises(TypeError, match="layer_info must be a dict"):
        GradCAMExplorer(*parts[:3], [])
