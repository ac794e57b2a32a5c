"""Motion between frames: block matching, optical flow (Lucas-Kanade), feature tracking, templates.

Used in chapters/19_motion.ipynb.

* Ground truth: :func:`make_motion_pair` and :func:`make_motion_sequence` move a real photo by a
  known motion (sub-pixel translation, rotation, zoom, a textured object pasted over a panning
  background), so that every estimate is scored against the exact flow with
  :func:`endpoint_error`; :func:`motorcycle_pair` is a real stereo pair (Middlebury 2014) whose
  ground-truth disparity is a real horizontal motion field.
* Motion vectors, the video-codec way: :func:`block_matching` (and :func:`block_matching_naive`)
  finds, for every block, the integer offset with the smallest SAD or SSD in a search window;
  :func:`motion_compensate` predicts a frame from them.
* Optical flow: the brightness-constancy equation solved over a window (:func:`lucas_kanade_step`),
  iterated and run coarse to fine on a :func:`gaussian_pyramid` (:func:`lucas_kanade`, with the loop
  version :func:`lucas_kanade_naive`), and a dense variant (:func:`lucas_kanade_dense`);
  :func:`klt_track` follows Shi-Tomasi corners through a sequence; :func:`farneback_flow` wraps
  OpenCV's dense Farneback flow.
* Localisation by template matching: :func:`match_template` (FFT and integral images) and
  :func:`match_template_naive`, both equal to ``cv2.matchTemplate(..., cv2.TM_CCOEFF_NORMED)``.

Conventions (OpenCV's, so that everything can be compared with ``cv2``):

* A point is ``(x, y)``, x to the right, y **down**; pixel ``image[r, c]`` is the point ``(c, r)``.
* A flow field is an ``(H, W, 2)`` array of ``(dx, dy)`` per pixel of the *first* frame: the
  content at ``p`` in ``prev`` is at ``p + flow[p]`` in ``next`` (``cv2.calcOpticalFlowFarneback``'s
  layout). Block motion vectors are ``(dy, dx)`` (row, column), one per block, as the block grid is
  indexed by (row, column).
* Images are gray ``(H, W)``, uint8 or float in [0, 1]; the flow code works on [0, 1] values.

Agreement with OpenCV (tests/test_motion.py, bench/cases_motion.py): :func:`lucas_kanade` follows
``cv2.calcOpticalFlowPyrLK`` step by step (pyramid by ``pyrDown``, Scharr derivatives, windows
sampled bilinearly, the same stopping rules and failure tests) but in float64 where OpenCV rounds
the pyramid to 8 bits and the window samples to fixed point: tracked points agree to about 2e-4 px
(median) and the endpoint errors against the truth are the same to 0.001 px.
:func:`match_template` equals ``cv2.matchTemplate`` (``TM_CCOEFF_NORMED``) to 1e-4 on random
images; on photos OpenCV's float32 correlation loses digits at nearly flat windows (up to about
1e-3 there, where this function equals the float64 loop).
:func:`gaussian_pyramid` levels equal ``cv2.pyrDown`` on float32 images to 1e-6.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._validation import (
    as_array,
    check_choice,
    check_float,
    check_image,
    check_int,
    check_rng,
    describe,
)
from .image import as_float_image, as_uint8_image

__all__ = [
    "MAX_FLOW_SIDE",
    "MOTION_KINDS",
    "FlowPyramids",
    "MotionPair",
    "MotionSequence",
    "block_cost",
    "block_matching",
    "block_matching_naive",
    "block_vectors_to_flow",
    "endpoint_error",
    "farneback_flow",
    "flow_pyramids",
    "flow_to_color",
    "flow_wheel",
    "gaussian_pyramid",
    "klt_track",
    "lucas_kanade",
    "lucas_kanade_dense",
    "lucas_kanade_naive",
    "lucas_kanade_step",
    "make_motion_pair",
    "make_motion_sequence",
    "match_block",
    "match_template",
    "match_template_naive",
    "motion_compensate",
    "motorcycle_pair",
    "pyramid_levels",
    "scharr_gradients",
    "search_offsets",
    "sequence_tracks",
]

#: Largest image side the flow, block and template functions accept.
MAX_FLOW_SIDE = 4096
#: The synthetic motions :func:`make_motion_pair` draws.
MOTION_KINDS = ("translation", "rotation", "zoom", "object")

_MAX_WINDOW = 101
_MAX_LEVELS = 8
_MAX_ITERATIONS = 100
_MAX_POINTS = 20_000
_MAX_NAIVE_POINTS = 64
#: points x window**2 x iterations for lucas_kanade: a few seconds at worst (points that never
#: converge on noise), never minutes.
_MAX_LK_WORK = 2 * 10**8
#: window pixels gathered at once (memory: a few arrays of 16 MB).
_LK_CHUNK = 2 * 10**6
#: pixels x iterations for lucas_kanade_dense.
_MAX_DENSE_WORK = 10**8
#: frames x points for klt_track.
_MAX_TRACK_WORK = 10**5
#: frames x pixels for make_motion_sequence (flows in float64: 16 bytes per pixel and frame).
_MAX_SEQUENCE_PIXELS = 2**23
#: FFT size (padded pixels x channels) for match_template.
_MAX_FFT_SIZE = 2**24
_MAX_NAIVE_WINDOW = 51
_MAX_BLOCK = 64
_MAX_SEARCH = 32
_MAX_NAIVE_SIDE = 256
_MAX_BLOCK_WORK = 10**9  # candidate offsets x pixels for block_matching
#: A cost must be below (1 - 1e-12) x the best so far to replace it: sums of equal differences
#: taken in another order differ by rounding, and both versions must break such ties alike.
_TIE = 1.0 - 1e-12
_MAX_TEMPLATE_WORK = 2 * 10**7  # positions x template pixels for match_template_naive
_MAX_FRAMES = 120
_MAX_SEQUENCE_SIDE = 1024
_MAX_SHIFT = 64.0
_MAX_ANGLE = 45.0
#: OpenCV's LK solves with Scharr derivatives of 0-255 images (about 32 x the gradient) and
#: scales the 2x2 matrix by 2**-20: its eigenvalue test reads ours (gradients of [0, 1] images)
#: multiplied by 255**2 / 1024.
_CV_EIGEN_SCALE = 255.0**2 / 1024.0
_FLT_EPSILON = float(np.finfo(np.float32).eps)
#: pyrDown's 5-tap binomial kernel.
_PYR_KERNEL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


# --------------------------------------------------------------------------------------------
# Validation shared by the module
# --------------------------------------------------------------------------------------------
def _gray_frame(image: Any, name: str, *, max_side: int = MAX_FLOW_SIDE) -> np.ndarray:
    """A gray frame as float64 in [0, 1] (uint8 / 255, floats in [0, 1] as they are)."""
    image = check_image(image, name, ndim=2, fix="convert with helpers.color.to_gray() first")
    if max(image.shape) > max_side:
        raise ValueError(
            f"{name} must be at most {max_side} pixels a side; got shape {image.shape} - "
            "downscale it first"
        )
    if min(image.shape) < 2:
        raise ValueError(f"{name} must be at least 2 pixels a side; got shape {image.shape}")
    converted = as_float_image(image, name)  # checks the range; float32
    return image.astype(np.float64) if image.dtype.kind == "f" else converted.astype(np.float64)


def _frame_pair(prev: Any, next: Any, *, max_side: int = MAX_FLOW_SIDE):  # noqa: A002
    a = _gray_frame(prev, "prev", max_side=max_side)
    b = _gray_frame(next, "next", max_side=max_side)
    if a.shape != b.shape:
        raise ValueError(f"prev and next must have the same shape; got {a.shape} and {b.shape}")
    return a, b


def _check_points(points: Any, name: str = "points", *, max_points: int = _MAX_POINTS):
    pts = as_array(points, name, ndim=2, kinds="iuf", allow_empty=True, shape_hint="(N, 2)")
    if pts.shape[1] != 2:
        raise ValueError(f"{name} must have shape (N, 2) of (x, y); got shape {pts.shape}")
    if len(pts) > max_points:
        raise ValueError(
            f"{name} must hold at most {max_points:,} points; got {len(pts):,} - track fewer"
        )
    pts = pts.astype(np.float64)
    if pts.size and np.abs(pts).max() > 1e6:
        raise ValueError(f"{name} must lie within +-1e6 pixels; got a largest |value| of "
                         f"{np.abs(pts).max():.3g}")
    return pts


def _check_lk_args(window, levels, iterations, epsilon, min_eigenvalue, *, max_window=_MAX_WINDOW):
    window = check_int(window, "window", min=3, max=max_window)
    levels = check_int(levels, "levels", min=0, max=_MAX_LEVELS)
    iterations = check_int(iterations, "iterations", min=1, max=_MAX_ITERATIONS)
    epsilon = check_float(epsilon, "epsilon", min=0.0, max=10.0)
    min_eigenvalue = check_float(min_eigenvalue, "min_eigenvalue", min=0.0, max=1.0)
    return window, levels, iterations, epsilon, min_eigenvalue


def _check_flow(flow: Any, name: str) -> np.ndarray:
    arr = as_array(flow, name, kinds="iuf", finite=False, shape_hint="(..., 2)")
    if arr.ndim < 1 or arr.shape[-1] != 2:
        raise ValueError(f"{name} must end in an axis of 2 (dx, dy); got shape {arr.shape}")
    if arr.size > 4 * MAX_FLOW_SIDE**2:
        raise ValueError(f"{name} is too large ({arr.shape}); at most {MAX_FLOW_SIDE}**2 vectors")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values; use NaN for unknown vectors")
    return arr.astype(np.float64)


# --------------------------------------------------------------------------------------------
# Ground truth: real photos moved by known motions, and a real stereo pair
# --------------------------------------------------------------------------------------------
class MotionPair(NamedTuple):
    """Two frames and the true motion between them.

    Attributes
    ----------
    prev, next : (H, W) ndarray of uint8
        The frames.
    flow : (H, W, 2) ndarray of float64
        True ``(dx, dy)`` of every pixel of ``prev``.
    valid : (H, W) ndarray of bool
        Where the truth can be checked: the content is visible in both frames (not leaving the
        frame, not hidden by a moving object, not a half-covered object border; for the stereo
        pair: where Middlebury measured the disparity).
    description : str
        The motion in words, with its numbers.
    """

    prev: np.ndarray
    next: np.ndarray
    flow: np.ndarray
    valid: np.ndarray
    description: str


class MotionSequence(NamedTuple):
    """Frames of a photo moving by a known motion, with the true flow between neighbours.

    Attributes
    ----------
    frames : (T, H, W) ndarray of uint8
    flows : (T-1, H, W, 2) ndarray of float64
        ``flows[k]``: true ``(dx, dy)`` from frame ``k`` to frame ``k + 1``, per pixel of frame k.
    valid : (T-1, H, W) ndarray of bool
        Where ``flows[k]`` can be checked (see :class:`MotionPair`).
    matrix : (3, 3) ndarray of float64
        The background's motion from one frame to the next (homogeneous, forward:
        ``point in frame k+1 = matrix @ point in frame k``).
    centers : (T, 2) ndarray of float64
        The moving object's centre ``(x, y)`` in each frame (NaN when there is no object).
    radius : float
        The object's radius in pixels (0 when there is none).
    """

    frames: np.ndarray
    flows: np.ndarray
    valid: np.ndarray
    matrix: np.ndarray
    centers: np.ndarray
    radius: float


def _size(size: Any) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)) and not isinstance(size, (bool, np.bool_)):
        side = check_int(size, "size", min=16, max=_MAX_SEQUENCE_SIDE)
        return side, side
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"size must be an int or a pair (H, W); got {describe(size)}")
    h = check_int(size[0], "size[0]", min=16, max=_MAX_SEQUENCE_SIDE)
    w = check_int(size[1], "size[1]", min=16, max=_MAX_SEQUENCE_SIDE)
    return h, w


def _pair_of_floats(value: Any, name: str, limit: float) -> tuple[float, float]:
    arr = as_array(value, name, ndim=1, kinds="iuf", shape_hint="(dx, dy)")
    if arr.shape != (2,):
        raise ValueError(f"{name} must be two numbers (dx, dy); got shape {arr.shape}")
    return (check_float(float(arr[0]), f"{name}[0]", min=-limit, max=limit),
            check_float(float(arr[1]), f"{name}[1]", min=-limit, max=limit))


def _photo_gray(image: Any, blur: float) -> np.ndarray:
    from .color import to_gray

    image = check_image(image, "image")
    gray = to_gray(image) if image.ndim == 3 else image
    gray = as_float_image(gray, "image").astype(np.float64)
    if blur > 0:
        from .filters import gaussian_blur

        size = 2 * int(np.ceil(3 * blur)) + 1
        gray = gaussian_blur(gray, size, blur)
    return gray


def make_motion_sequence(
    image: Any,
    n_frames: int = 8,
    *,
    size: int | tuple[int, int] = (192, 256),
    shift: Any = (0.0, 0.0),
    angle: float = 0.0,
    scale: float = 1.0,
    object_shift: Any = None,
    object_radius: float | None = None,
    blur: float = 1.0,
    noise: float = 0.0,
    rng: Any = 0,
) -> MotionSequence:
    """Frames cut from a real photo that moves by a known motion, and the exact flow between them.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        A photo (uint8, or float in [0, 1]); converted to gray. The frames are windows of it, so
        it must be larger than ``size`` by the distance the motion travels.
    n_frames : int
        Number of frames, 2 to 120.
    size : int or (H, W)
        Frame size (each side 16 to 1024; frames x H x W at most 2**23).
    shift : (dx, dy)
        The background's translation per frame, in pixels (each within +-64; sub-pixel allowed).
    angle : float
        The background's rotation per frame about the frame's centre, degrees (within +-45;
        positive turns counter-clockwise on screen, as ``cv2.getRotationMatrix2D``).
    scale : float
        The background's zoom per frame about the centre (0.5 to 2; > 1 zooms in).
    object_shift : (dx, dy), optional
        If given, a textured disc (cut from the photo turned upside down) moves over the
        background by this much per frame.
    object_radius : float, optional
        The disc's radius (4 to half the smaller frame side); default an eighth of the smaller side.
    blur : float
        Gaussian sigma (0 to 5 pixels) applied to the photo first: a camera's optics do not alias,
        and on a smooth image bilinear resampling reproduces sub-pixel shifts faithfully.
    noise : float
        Standard deviation of Gaussian sensor noise added to each frame, on the [0, 1] scale
        (0 to 0.2; 0.01 is about 2.5 gray levels).
    rng : numpy.random.Generator or int
        Chooses where the object starts, and the noise.

    Returns
    -------
    MotionSequence

    Raises
    ------
    ValueError
        If the motion would need pixels from outside the photo, or the object would leave the frame.

    Notes
    -----
    The background moves by the affine map :math:`M = T(\\text{shift})\\,R_c(\\text{angle},
    \\text{scale})` per frame, so frame :math:`k` is the photo warped by :math:`M^k` (inverse
    mapping, bilinear: :func:`helpers.transforms.warp_affine`) and the true flow of background
    pixel :math:`p` is :math:`Mp - p`, the same in every frame. The object's pixels all move by
    ``object_shift``. Frames are rounded to uint8, like a camera's.

    References
    ----------
    S. Baker et al., "A database and evaluation methodology for optical flow", IJCV 92 (2011) -
    flow scored against exact ground truth. Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> photo = np.random.default_rng(0).random((80, 80))
    >>> seq = make_motion_sequence(photo, 3, size=32, shift=(1.5, 0), blur=0)
    >>> seq.frames.shape, seq.flows.shape
    ((3, 32, 32), (2, 32, 32, 2))
    >>> seq.flows[0, 10, 10]
    array([1.5, 0. ])
    """
    from . import transforms

    n_frames = check_int(n_frames, "n_frames", min=2, max=_MAX_FRAMES)
    h, w = _size(size)
    if n_frames * h * w > _MAX_SEQUENCE_PIXELS:
        raise ValueError(f"n_frames x size must stay below {_MAX_SEQUENCE_PIXELS:,} pixels; got "
                         f"{n_frames} frames of {h}x{w} - use fewer or smaller frames")
    shift = _pair_of_floats(shift, "shift", _MAX_SHIFT)
    angle = check_float(angle, "angle", min=-_MAX_ANGLE, max=_MAX_ANGLE)
    scale = check_float(scale, "scale", min=0.5, max=2.0)
    blur = check_float(blur, "blur", min=0.0, max=5.0)
    noise = check_float(noise, "noise", min=0.0, max=0.2)
    rng = check_rng(rng)
    if object_shift is not None:
        object_shift = _pair_of_floats(object_shift, "object_shift", _MAX_SHIFT)
        radius = (min(h, w) / 8.0 if object_radius is None else
                  check_float(object_radius, "object_radius", min=4.0, max=min(h, w) / 2))
    elif object_radius is not None:
        raise ValueError("object_radius needs object_shift: without a moving object it has no use")
    photo = _photo_gray(image, blur)
    ph, pw = photo.shape
    centre = ((w - 1) / 2.0, (h - 1) / 2.0)
    step = transforms.compose_affine(transforms.rotation_matrix(centre, angle, scale,
                                                                homogeneous=True),
                                     transforms.translation_matrix(*shift))
    crop = transforms.translation_matrix(-((pw - w) // 2), -((ph - h) // 2))
    frame_corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], np.float64)
    maps, power = [], np.eye(3)
    for k in range(n_frames):
        forward = power @ crop  # photo -> frame k
        source = transforms.transform_points(np.linalg.inv(forward), frame_corners)
        if source.min() < 0 or source[:, 0].max() > pw - 1 or source[:, 1].max() > ph - 1:
            raise ValueError(
                f"image of shape {photo.shape} is too small: frame {k} of a {h}x{w} window moved "
                "this much needs pixels outside it - use a smaller size, fewer frames or a "
                "smaller motion"
            )
        maps.append(forward)
        power = step @ power
    frames = np.stack([transforms.warp_affine(photo, m, (h, w)) for m in maps])
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    moved = (step[0, 0] * xs + step[0, 1] * ys + step[0, 2],
             step[1, 0] * xs + step[1, 1] * ys + step[1, 2])
    background_flow = np.stack([moved[0] - xs, moved[1] - ys], axis=-1)
    inside = (moved[0] >= 0) & (moved[0] <= w - 1) & (moved[1] >= 0) & (moved[1] <= h - 1)
    flows = np.repeat(background_flow[None], n_frames - 1, axis=0)
    valid = np.repeat(inside[None], n_frames - 1, axis=0)
    centers = np.full((n_frames, 2), np.nan)
    radius_out = 0.0
    if object_shift is not None:
        v = np.array(object_shift)
        travel = v * (n_frames - 1)
        lo = np.array([radius + 1, radius + 1]) - np.minimum(travel, 0)
        hi = np.array([w - 2 - radius, h - 2 - radius]) - np.maximum(travel, 0)
        if np.any(lo > hi):
            raise ValueError(
                f"object_shift {tuple(object_shift)} moves the object (radius {radius:.1f}) out of "
                f"a {h}x{w} frame within {n_frames} frames; use a smaller object_shift, "
                "object_radius or n_frames"
            )
        c0 = lo + rng.random(2) * (hi - lo)
        centers = c0 + np.arange(n_frames)[:, None] * v
        texture = photo[::-1, ::-1]
        tex_centre = np.array([(pw - 1) / 2.0, (ph - 1) / 2.0])
        alphas = []
        for k in range(n_frames):
            c = centers[k]
            obj = transforms.warp_affine(texture, transforms.translation_matrix(*(c - tex_centre)),
                                         (h, w))
            # Anti-aliased disc: full inside r - 1/2, none outside r + 1/2.
            alpha = np.clip(radius + 0.5 - np.hypot(xs - c[0], ys - c[1]), 0.0, 1.0)
            frames[k] = (1 - alpha) * frames[k] + alpha * obj
            alphas.append(alpha)
        for k in range(n_frames - 1):
            on_object = alphas[k] >= 0.5
            flows[k][on_object] = v
            dest_x = xs + flows[k][..., 0]
            dest_y = ys + flows[k][..., 1]
            seen = (dest_x >= 0) & (dest_x <= w - 1) & (dest_y >= 0) & (dest_y <= h - 1)
            covered = (np.hypot(dest_x - centers[k + 1, 0], dest_y - centers[k + 1, 1])
                       < radius + 0.5)
            border = (alphas[k] > 0) & (alphas[k] < 1)
            valid[k] = seen & ~border & (on_object | ~covered)
        radius_out = float(radius)
    if noise > 0:
        frames = frames + rng.normal(0.0, noise, frames.shape)
    frames_u8 = as_uint8_image(np.clip(frames, 0.0, 1.0).reshape(-1, w), "frames").reshape(
        n_frames, h, w)
    return MotionSequence(frames_u8, flows, valid, step, centers, radius_out)


def make_motion_pair(
    image: Any,
    kind: str = "translation",
    *,
    size: int | tuple[int, int] = (192, 256),
    shift: Any = None,
    angle: float | None = None,
    scale: float | None = None,
    object_shift: Any = None,
    blur: float = 1.0,
    noise: float = 0.0,
    rng: Any = 0,
) -> MotionPair:
    """Two frames of a real photo moved by a known motion of one kind (random unless given).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        A photo, e.g. ``helpers.data.load_photo("astronaut")``.
    kind : {"translation", "rotation", "zoom", "object"}
        "translation": the photo shifts by ``shift`` (default: uniform in [-3, 3] pixels per
        axis, so sub-pixel); "rotation": turns by ``angle`` degrees about the frame centre
        (default: 1 to 4 degrees either way); "zoom": scales by ``scale`` (default 1.02 to 1.06 or
        its inverse); "object": the background pans by ``shift`` (default within +-2 pixels) and a
        textured disc moves by ``object_shift`` (default 3 to 6 pixels in a random direction).
    size : int or (H, W)
        Frame size.
    shift, angle, scale, object_shift : optional
        The motion's parameters; only those of ``kind`` may be given.
    blur : float
        Gaussian sigma applied to the photo first (see :func:`make_motion_sequence`).
    noise : float
        Sensor noise added to each frame (see :func:`make_motion_sequence`).
    rng : numpy.random.Generator or int
        Draws the parameters not given (and the object's position and the noise).

    Returns
    -------
    MotionPair

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> photo = np.random.default_rng(0).random((100, 100))
    >>> pair = make_motion_pair(photo, "translation", size=48, shift=(2.0, -1.0), blur=0)
    >>> pair.flow[20, 20], pair.description
    (array([ 2., -1.]), 'translation by (dx, dy) = (+2.00, -1.00) px')
    """
    check_choice(kind, "kind", MOTION_KINDS)
    rng = check_rng(rng)
    allowed = {"translation": {"shift"}, "rotation": {"angle"}, "zoom": {"scale"},
               "object": {"shift", "object_shift"}}[kind]
    given = {"shift": shift, "angle": angle, "scale": scale, "object_shift": object_shift}
    for name, value in given.items():
        if value is not None and name not in allowed:
            raise ValueError(f"{name} does not apply to kind={kind!r}; it takes "
                             f"{', '.join(sorted(allowed))}")
    sign = 1.0 if rng.random() < 0.5 else -1.0
    params: dict[str, Any] = {}
    if kind == "translation":
        params["shift"] = rng.uniform(-3, 3, 2) if shift is None else shift
        s = _pair_of_floats(params["shift"], "shift", _MAX_SHIFT)
        text = f"translation by (dx, dy) = ({s[0]:+.2f}, {s[1]:+.2f}) px"
    elif kind == "rotation":
        params["angle"] = sign * rng.uniform(1, 4) if angle is None else angle
        a = check_float(params["angle"], "angle", min=-_MAX_ANGLE, max=_MAX_ANGLE)
        text = f"rotation by {a:+.2f} degrees about the frame centre"
    elif kind == "zoom":
        params["scale"] = rng.uniform(1.02, 1.06) ** sign if scale is None else scale
        z = check_float(params["scale"], "scale", min=0.5, max=2.0)
        text = f"zoom by a factor {z:.4f} about the frame centre"
    else:
        params["shift"] = rng.uniform(-2, 2, 2) if shift is None else shift
        if object_shift is None:
            theta, length = rng.uniform(0, 2 * np.pi), rng.uniform(3, 6)
            object_shift = (length * np.cos(theta), length * np.sin(theta))
        params["object_shift"] = object_shift
        s = _pair_of_floats(params["shift"], "shift", _MAX_SHIFT)
        o = _pair_of_floats(object_shift, "object_shift", _MAX_SHIFT)
        text = (f"background pans by ({s[0]:+.2f}, {s[1]:+.2f}) px, an object moves by "
                f"({o[0]:+.2f}, {o[1]:+.2f}) px")
    seq = make_motion_sequence(image, 2, size=size, blur=blur, noise=noise, rng=rng, **params)
    return MotionPair(seq.frames[0], seq.frames[1], seq.flows[0], seq.valid[0], text)


def sequence_tracks(sequence: MotionSequence, points: Any) -> tuple[np.ndarray, np.ndarray]:
    """Where points of a sequence's first frame truly are in every frame, and whether they show.

    Parameters
    ----------
    sequence : MotionSequence
        From :func:`make_motion_sequence`.
    points : (N, 2) array_like
        ``(x, y)`` in frame 0.

    Returns
    -------
    positions : (T, N, 2) ndarray of float64
        True position in each frame (object points follow the object, the rest the background).
    visible : (T, N) ndarray of bool
        Inside the frame and not hidden behind the object.

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> seq = make_motion_sequence(np.random.default_rng(0).random((80, 80)), 3, size=32,
    ...                            shift=(2, 0), blur=0)
    >>> positions, visible = sequence_tracks(seq, [[10.0, 5.0]])
    >>> positions[:, 0].tolist(), visible[:, 0].tolist()
    ([[10.0, 5.0], [12.0, 5.0], [14.0, 5.0]], [True, True, True])
    """
    if not isinstance(sequence, MotionSequence):
        raise TypeError(f"sequence must be a MotionSequence (make_motion_sequence); got "
                        f"{describe(sequence)}")
    pts = _check_points(points)
    n_frames, h, w = sequence.frames.shape
    positions = np.empty((n_frames, len(pts), 2))
    current = pts.copy()
    m = sequence.matrix
    has_object = sequence.radius > 0
    # The flows' rule: a pixel belongs to the disc when the disc covers at least half of it.
    on_object = (np.hypot(pts[:, 0] - sequence.centers[0, 0], pts[:, 1] - sequence.centers[0, 1])
                 <= sequence.radius) if has_object else np.zeros(len(pts), bool)
    for k in range(n_frames):
        positions[k] = current
        if k == n_frames - 1:
            break
        moved = current @ m[:2, :2].T + m[:2, 2]
        if has_object:
            moved[on_object] = current[on_object] + (sequence.centers[k + 1] - sequence.centers[k])
        current = moved
    x, y = positions[..., 0], positions[..., 1]
    visible = (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
    if has_object:
        under = (np.hypot(x - sequence.centers[:, None, 0], y - sequence.centers[:, None, 1])
                 < sequence.radius + 0.5)
        visible &= on_object[None] | ~under
    return positions, visible


def motorcycle_pair() -> MotionPair:
    """The Middlebury 2014 "Motorcycle" stereo pair with its ground-truth disparity, as a flow.

    Returns
    -------
    MotionPair
        ``prev`` the left and ``next`` the right view, gray uint8 (500, 741); ``flow`` is
        ``(-disparity, 0)``; ``valid`` where the disparity was measured.

    Notes
    -----
    The views are rectified: a scene point seen at ``(x, y)`` in the left image is at
    ``(x - d, y)`` in the right one, so the disparity ``d`` (7.2 to 59.9 pixels here) is a real,
    purely horizontal motion field, large and with occlusions at depth edges. scikit-image ships
    the pair down-sampled 4x, with the disparity in pixels of the down-sampled images. Its
    docstring says NaN marks pixels without ground truth; in fact they are ``inf`` (7.3% of
    the pixels), and it states the correspondence the other way round
    (``img_left[y, x + d]`` for ``img_right[y, x]``); matching the views shows that
    ``left[y, x]`` corresponds to ``right[y, x - d]`` (tests/test_motion.py).

    References
    ----------
    D. Scharstein et al., "High-resolution stereo datasets with subpixel-accurate ground truth",
    GCPR 2014. Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> pair = motorcycle_pair()
    >>> pair.prev.shape, bool(np.all(pair.flow[pair.valid, 1] == 0))
    ((500, 741), True)
    """
    import skimage.data  # deferred: only this function needs scikit-image

    from .color import to_gray

    left, right, disparity = skimage.data.stereo_motorcycle()
    valid = np.isfinite(disparity)
    flow = np.zeros(disparity.shape + (2,))
    flow[..., 0] = np.where(valid, -disparity.astype(np.float64), np.nan)
    flow[~valid] = np.nan
    return MotionPair(to_gray(left), to_gray(right), flow, valid,
                      "Middlebury Motorcycle: left view -> right view, flow = (-disparity, 0)")


def endpoint_error(flow: Any, truth: Any, valid: Any = None) -> np.ndarray:
    """The endpoint error: distance between estimated and true motion vectors, per vector.

    Parameters
    ----------
    flow, truth : (..., 2) array_like
        Estimated and true ``(dx, dy)`` (a dense ``(H, W, 2)`` field or ``(N, 2)`` points); NaN
        marks unknown vectors.
    valid : (...) array_like of bool, optional
        Where the truth counts; elsewhere the result is NaN.

    Returns
    -------
    (...) ndarray of float64
        :math:`\\sqrt{(u - u^*)^2 + (v - v^*)^2}`; NaN where either is unknown or not valid.

    References
    ----------
    S. Baker et al., IJCV 92 (2011), Sec. 4.1. Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> endpoint_error([[3.0, 4.0], [1.0, 1.0]], [[0.0, 0.0], [1.0, 1.0]])
    array([5., 0.])
    """
    f = _check_flow(flow, "flow")
    t = _check_flow(truth, "truth")
    if f.shape != t.shape:
        raise ValueError(f"flow and truth must have the same shape; got {f.shape} and {t.shape}")
    err = np.hypot(f[..., 0] - t[..., 0], f[..., 1] - t[..., 1])
    if valid is not None:
        v = as_array(valid, "valid", kinds="b", allow_empty=True)
        if v.shape != err.shape:
            raise ValueError(f"valid must have shape {err.shape} (flow without its last axis); "
                             f"got {v.shape}")
        err = np.where(v, err, np.nan)
    return err


def flow_to_color(flow: Any, *, max_magnitude: float | None = None) -> np.ndarray:
    """Colour-code a flow field: hue = direction, saturation = speed (white = still).

    Parameters
    ----------
    flow : (H, W, 2) array_like
        ``(dx, dy)`` per pixel; NaN vectors are drawn black.
    max_magnitude : float, optional
        The speed drawn fully saturated (default: the largest finite speed; > 0, at most 1e4).

    Returns
    -------
    (H, W, 3) ndarray of uint8
        RGB.

    Notes
    -----
    Hue is the direction :math:`\\operatorname{atan2}(dy, dx)` in degrees (0 = right, red;
    90 = down, because y points down; 180 = left, cyan; 270 = up), saturation
    :math:`\\min(|f| / f_{max}, 1)`, value 1. :func:`flow_wheel` draws the legend.

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> flow_to_color(np.array([[[1.0, 0.0], [0.0, 0.0], [-1.0, 0.0]]]))
    array([[[255,   0,   0],
            [255, 255, 255],
            [  0, 255, 255]]], dtype=uint8)
    """
    from .color import hsv_to_rgb

    f = _check_flow(flow, "flow")
    if f.ndim != 3:
        raise ValueError(f"flow must be (H, W, 2); got shape {f.shape}")
    speed = np.hypot(f[..., 0], f[..., 1])
    known = np.isfinite(speed)
    if max_magnitude is None:
        top = float(speed[known].max()) if known.any() else 0.0
        max_magnitude = top if top > 0 else 1.0
    max_magnitude = check_float(max_magnitude, "max_magnitude", min=0.0, max=1e4,
                                min_inclusive=False)
    hue = np.degrees(np.arctan2(np.where(known, f[..., 1], 0), np.where(known, f[..., 0], 0)))
    sat = np.clip(np.where(known, speed, 0) / max_magnitude, 0.0, 1.0)
    hsv = np.stack([hue % 360, sat, known.astype(np.float64)], axis=-1)
    return as_uint8_image(np.clip(hsv_to_rgb(hsv), 0.0, 1.0))


def flow_wheel(size: int = 65) -> np.ndarray:
    """The legend of :func:`flow_to_color`: each pixel coloured as the flow from the centre to it.

    Parameters
    ----------
    size : int
        Side of the square legend (9 to 1024); odd sizes have a centre pixel.

    Returns
    -------
    (size, size, 3) ndarray of uint8
        A disc whose rim is the full speed (``max_magnitude``), white outside it.

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> wheel = flow_wheel(9)
    >>> wheel[4, 8].tolist(), wheel[4, 4].tolist()   # rim to the right: red; centre: white
    ([255, 0, 0], [255, 255, 255])
    """
    size = check_int(size, "size", min=9, max=1024)
    r = (size - 1) / 2.0
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    flow = np.stack([(xs - r) / r, (ys - r) / r], axis=-1)
    outside = np.hypot(flow[..., 0], flow[..., 1]) > 1.0 + 1e-9
    rgb = flow_to_color(flow, max_magnitude=1.0)
    rgb[outside] = 255
    return rgb


# --------------------------------------------------------------------------------------------
# Motion vectors: block matching
# --------------------------------------------------------------------------------------------
def search_offsets(search: int) -> np.ndarray:
    """Every candidate offset ``(dy, dx)`` within +-``search``, in the order ties are broken.

    Parameters
    ----------
    search : int
        The search range in pixels, 0 to 32.

    Returns
    -------
    ((2 search + 1)**2, 2) ndarray of int64
        Sorted by distance ``dy**2 + dx**2``, then ``dy``, then ``dx``: zero motion first, so a
        block whose costs tie (a flat patch) keeps the vector a codec codes most cheaply.

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> search_offsets(1).tolist()
    [[0, 0], [-1, 0], [0, -1], [0, 1], [1, 0], [-1, -1], [-1, 1], [1, -1], [1, 1]]
    """
    s = check_int(search, "search", min=0, max=_MAX_SEARCH)
    dy, dx = np.mgrid[-s : s + 1, -s : s + 1]
    dy, dx = dy.ravel(), dx.ravel()
    order = np.lexsort((dx, dy, dy * dy + dx * dx))
    return np.column_stack([dy[order], dx[order]]).astype(np.int64)


def _block_frames(prev: Any, next: Any, block: Any, search: Any, metric: Any,  # noqa: A002
                  *, max_side: int = MAX_FLOW_SIDE):
    a = check_image(prev, "prev", ndim=2, fix="convert with helpers.color.to_gray() first")
    b = check_image(next, "next", ndim=2, fix="convert with helpers.color.to_gray() first")
    if a.shape != b.shape:
        raise ValueError(f"prev and next must have the same shape; got {a.shape} and {b.shape}")
    if a.dtype != b.dtype:
        raise TypeError(f"prev and next must have the same dtype; got {a.dtype} and {b.dtype} - "
                        "convert both with helpers.image.as_float_image()")
    if max(a.shape) > max_side:
        raise ValueError(f"prev must be at most {max_side} pixels a side; got shape {a.shape}")
    block = check_int(block, "block", min=2, max=_MAX_BLOCK)
    search = check_int(search, "search", min=0, max=_MAX_SEARCH)
    check_choice(metric, "metric", ("sad", "ssd"))
    if min(a.shape) < block:
        raise ValueError(f"prev of shape {a.shape} holds no whole {block}x{block} block; "
                         "use a smaller block")
    return a.astype(np.float64), b.astype(np.float64), block, search


def _cost(diff: np.ndarray, metric: str) -> np.ndarray:
    return np.abs(diff) if metric == "sad" else diff * diff


def block_cost(
    prev: Any, next: Any, y: int, x: int, *, block: int = 8, search: int = 8,  # noqa: A002
    metric: str = "ssd",
) -> np.ndarray:
    """The matching cost of one block of ``prev`` at every offset in ``next``'s search window.

    Parameters
    ----------
    prev, next : (H, W) ndarray
        Gray frames of the same shape and dtype (uint8 costs are in gray levels).
    y, x : int
        Top-left corner (row, column) of the block in ``prev``; the block must fit.
    block : int
        Block side, 2 to 64.
    search : int
        Largest offset in each direction, 0 to 32.
    metric : {"ssd", "sad"}
        Sum of squared or of absolute differences.

    Returns
    -------
    (2 search + 1, 2 search + 1) ndarray of float64
        ``cost[dy + search, dx + search]``; ``inf`` where the displaced block leaves ``next``.

    Notes
    -----
    .. math:: \\mathrm{SSD}(d_y, d_x) = \\sum_{i,j} \\big(J(y + i + d_y, x + j + d_x) -
              I(y + i, x + j)\\big)^2

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> prev = np.zeros((6, 6)); prev[2, 2] = 1.0
    >>> block_cost(prev, np.roll(prev, 1, axis=1), 0, 0, block=3, search=1)  # a corner block
    array([[inf, inf, inf],
           [inf,  1.,  0.],
           [inf,  1.,  2.]])
    """
    a, b, block, search = _block_frames(prev, next, block, search, metric)
    h, w = a.shape
    y = check_int(y, "y", min=0, max=h - block)
    x = check_int(x, "x", min=0, max=w - block)
    ref = a[y : y + block, x : x + block]
    out = np.full((2 * search + 1, 2 * search + 1), np.inf)
    for dy in range(-search, search + 1):
        for dx in range(-search, search + 1):
            yy, xx = y + dy, x + dx
            if 0 <= yy <= h - block and 0 <= xx <= w - block:
                cand = b[yy : yy + block, xx : xx + block]
                out[dy + search, dx + search] = _cost(cand - ref, metric).sum()
    return out


def match_block(
    prev: Any, next: Any, y: int, x: int, *, block: int = 8, search: int = 8,  # noqa: A002
    metric: str = "sad",
) -> tuple[int, int]:
    """The motion vector ``(dy, dx)`` of one block: the offset of smallest cost.

    Parameters are those of :func:`block_cost`. Ties go to the first offset in
    :func:`search_offsets` order (zero motion first).

    Returns
    -------
    (dy, dx) : tuple of int

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> prev = np.zeros((8, 8)); prev[3, 3] = 1.0
    >>> match_block(prev, np.roll(prev, (1, 2), axis=(0, 1)), 2, 2, block=3, search=2)
    (1, 2)
    """
    cost = block_cost(prev, next, y, x, block=block, search=search, metric=metric)
    s = (cost.shape[0] - 1) // 2
    best, best_cost = (0, 0), np.inf
    for dy, dx in search_offsets(s):
        # Strictly smaller (by more than rounding noise): earlier offsets win ties.
        if cost[dy + s, dx + s] < best_cost * _TIE:
            best, best_cost = (int(dy), int(dx)), cost[dy + s, dx + s]
    return best


def block_matching_naive(
    prev: Any, next: Any, block: int = 8, search: int = 8, *, metric: str = "sad",  # noqa: A002
) -> np.ndarray:
    """:func:`block_matching` one block at a time, one offset at a time (frames up to 256 px).

    Same parameters and result; spelled out for reading.

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> prev = np.random.default_rng(0).random((16, 16))
    >>> block_matching_naive(prev, np.roll(prev, (1, -2), axis=(0, 1)), 4, 2)[1, 1].tolist()
    [1, -2]
    """
    a, _, block, search = _block_frames(prev, next, block, search, metric,
                                        max_side=_MAX_NAIVE_SIDE)
    rows, cols = a.shape[0] // block, a.shape[1] // block
    vectors = np.zeros((rows, cols, 2), np.int64)
    for r in range(rows):  # every whole block of prev ...
        for c in range(cols):
            # ... gets the offset whose block in `next` looks most like it
            vectors[r, c] = match_block(prev, next, r * block, c * block, block=block,
                                        search=search, metric=metric)
    return vectors


def block_matching(
    prev: Any, next: Any, block: int = 8, search: int = 8, *, metric: str = "sad",  # noqa: A002
) -> np.ndarray:
    """Motion vectors by exhaustive block matching: one ``(dy, dx)`` per block of ``prev``.

    Parameters
    ----------
    prev, next : (H, W) ndarray
        Gray frames, same shape and dtype.
    block : int
        Block side, 2 to 64. The frame is tiled from the top-left corner; a partial block at the
        right or bottom edge gets no vector.
    search : int
        Largest offset tried in each direction, 0 to 32: ``(2 search + 1)**2`` candidates.
    metric : {"sad", "ssd"}
        Sum of absolute differences (what codecs use: no multiplications) or of squares.

    Returns
    -------
    (H // block, W // block, 2) ndarray of int64
        ``vectors[r, c] = (dy, dx)``: the block whose top-left corner is ``(r block, c block)`` in
        ``prev`` is found at ``(r block + dy, c block + dx)`` in ``next``.

    Raises
    ------
    ValueError
        Bad sizes, or more than 2e9 pixel comparisons (a big frame with a big search).

    Notes
    -----
    Offsets whose block would leave ``next`` are not tried. Ties go to the earlier offset in
    :func:`search_offsets` (zero first), so flat blocks keep a zero vector; costs within a
    relative 1e-12 count as ties (float rounding), and uint8 frames are compared in exact
    integers. For a frame shifted
    by an integer ``(dy, dx)`` within the search range, every block whose shifted copy lies in
    the frame gets exactly ``(dy, dx)``. Vectorised over blocks: for each offset, one
    difference of the blocks that stay inside the frame, summed block by block (a reshape),
    against the naive version's loop over blocks.

    A codec runs the search the other way round, for blocks of the frame it is coding:
    ``block_matching(current, reference)`` tells where each block of ``current`` sits in
    ``reference``, and :func:`motion_compensate` copies those blocks to predict ``current``.

    References
    ----------
    J. R. Jain and A. K. Jain, "Displacement measurement and its application in interframe image
    coding", IEEE Trans. Communications 29(12), 1981. Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> prev = np.random.default_rng(0).random((16, 16))
    >>> block_matching(prev, np.roll(prev, (1, -2), axis=(0, 1)), 4, 2)[1, 1].tolist()
    [1, -2]
    """
    a, b, block, search = _block_frames(prev, next, block, search, metric)
    n_offsets = (2 * search + 1) ** 2
    if n_offsets * a.size > _MAX_BLOCK_WORK:
        raise ValueError(
            f"block matching a {a.shape} frame with search={search} compares "
            f"{n_offsets * a.size:,} pixels (at most {_MAX_BLOCK_WORK:,}); use a smaller search "
            "or a smaller frame"
        )
    h, w = a.shape
    rows, cols = h // block, w // block
    if np.asarray(prev).dtype.kind in "biu" and np.abs(a).max() < 2**15:
        # Small integers (uint8 frames): exact costs in int32/int64, half the memory traffic.
        a, b = a.astype(np.int32), b.astype(np.int32)
    best = np.full((rows, cols), np.inf)
    vectors = np.zeros((rows, cols, 2), np.int64)
    for dy, dx in search_offsets(search):
        # Only the blocks whose displaced copy lies inside `next` (a sub-grid of blocks).
        r0, r1 = max(0, -(dy // block)), min(rows, (h - block - dy) // block + 1)
        c0, c1 = max(0, -(dx // block)), min(cols, (w - block - dx) // block + 1)
        if r0 >= r1 or c0 >= c1:
            continue
        ref = a[r0 * block : r1 * block, c0 * block : c1 * block]
        cand = b[r0 * block + dy : r1 * block + dy, c0 * block + dx : c1 * block + dx]
        # Block sums as two contiguous reductions (rows of blocks, then columns): twice as fast
        # as one reduction over axes (1, 3).
        nr, nc = r1 - r0, c1 - c0
        cost = _cost(cand - ref, metric).reshape(nr, block, nc * block).sum(axis=1)
        cost = cost.reshape(nr, nc, block).sum(axis=2)
        current = best[r0:r1, c0:c1]
        better = cost < current * _TIE  # a near-tie (rounding noise) keeps the earlier offset
        current[better] = cost[better]
        vectors[r0:r1, c0:c1][better] = (dy, dx)
    return vectors


def _check_vectors(vectors: Any, block: int, shape: tuple[int, int]) -> np.ndarray:
    v = as_array(vectors, "vectors", ndim=3, kinds="iu", shape_hint="(rows, cols, 2)")
    rows, cols = shape[0] // block, shape[1] // block
    if v.shape != (rows, cols, 2):
        raise ValueError(f"vectors must have shape {(rows, cols, 2)} for {block}-pixel blocks of a "
                         f"{shape} frame; got {v.shape}")
    return v.astype(np.int64)


def block_vectors_to_flow(vectors: Any, block: int, shape: Any) -> np.ndarray:
    """Spread block motion vectors over their pixels as a dense ``(dx, dy)`` flow field.

    Parameters
    ----------
    vectors : (rows, cols, 2) array_like of int
        ``(dy, dx)`` per block, from :func:`block_matching`.
    block : int
        Block side used (2 to 64).
    shape : (H, W)
        The frame's shape; pixels outside whole blocks get NaN.

    Returns
    -------
    (H, W, 2) ndarray of float64

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> block_vectors_to_flow(np.array([[[1, 2]]]), 2, (2, 3))[..., 0]
    array([[ 2.,  2., nan],
           [ 2.,  2., nan]])
    """
    block = check_int(block, "block", min=2, max=_MAX_BLOCK)
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"shape must be a pair (H, W); got {describe(shape)}")
    h = check_int(shape[0], "shape[0]", min=block, max=MAX_FLOW_SIDE)
    w = check_int(shape[1], "shape[1]", min=block, max=MAX_FLOW_SIDE)
    v = _check_vectors(vectors, block, (h, w))
    flow = np.full((h, w, 2), np.nan)
    rows, cols = v.shape[:2]
    spread = np.repeat(np.repeat(v[..., ::-1].astype(np.float64), block, 0), block, 1)
    flow[: rows * block, : cols * block] = spread
    return flow


def motion_compensate(reference: Any, vectors: Any, block: int = 8) -> np.ndarray:
    """Predict a frame by copying, for each of its blocks, the reference block its vector points to.

    Parameters
    ----------
    reference : (H, W) ndarray
        The frame already sent (gray).
    vectors : (H // block, W // block, 2) array_like of int
        ``(dy, dx)`` of each block of the frame to predict, as found by
        ``block_matching(current, reference, block, search)``: block ``(r, c)`` of ``current``
        looks like ``reference`` at ``(r block + dy, c block + dx)``.
    block : int
        Block side (2 to 64).

    Returns
    -------
    (H, W) ndarray, the reference's dtype
        The prediction; pixels outside whole blocks copy the reference unchanged.

    Notes
    -----
    A codec sends the vectors and the residual ``current - prediction``, which is small and
    cheap to code where the motion was found; block matching never produces holes this way
    round, because every block of the predicted frame gets exactly one source block.

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> ref = np.arange(16.0).reshape(4, 4)
    >>> motion_compensate(ref, np.array([[[0, 1], [0, 0]], [[0, 0], [0, 0]]]), 2)[:2]
    array([[1., 2., 2., 3.],
           [5., 6., 6., 7.]])
    """
    ref = check_image(reference, "reference", ndim=2, fix="convert with helpers.color.to_gray()")
    if max(ref.shape) > MAX_FLOW_SIDE:
        raise ValueError(f"reference must be at most {MAX_FLOW_SIDE} pixels a side; got "
                         f"{ref.shape}")
    block = check_int(block, "block", min=2, max=_MAX_BLOCK)
    if min(ref.shape) < block:
        raise ValueError(f"reference of shape {ref.shape} holds no whole {block}x{block} block")
    v = _check_vectors(vectors, block, ref.shape)
    h, w = ref.shape
    out = ref.copy()
    for r in range(v.shape[0]):
        for c in range(v.shape[1]):
            y, x = r * block + v[r, c, 0], c * block + v[r, c, 1]
            if not (0 <= y <= h - block and 0 <= x <= w - block):
                raise ValueError(f"vectors[{r}, {c}] = {tuple(v[r, c])} points outside the "
                                 "reference; vectors must come from block_matching")
            out[r * block : (r + 1) * block, c * block : (c + 1) * block] = \
                ref[y : y + block, x : x + block]
    return out


# --------------------------------------------------------------------------------------------
# Gradients and pyramids
# --------------------------------------------------------------------------------------------
def _pyr_down(image: np.ndarray) -> np.ndarray:
    p = np.pad(image, 2, mode="reflect")  # numpy's "reflect" is OpenCV's BORDER_REFLECT_101
    h, w = image.shape
    rows = sum(_PYR_KERNEL[i] * p[:, i : i + w] for i in range(5))
    out = sum(_PYR_KERNEL[i] * rows[i : i + h] for i in range(5))
    return out[::2, ::2]


def gaussian_pyramid(image: Any, levels: int) -> list[np.ndarray]:
    """The image and ``levels`` successively halved copies, each smoothed first: ``cv2.pyrDown``.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray; uint8 is read as [0, 1].
    levels : int
        Number of halvings, 0 to 8 (stops early when a side would reach 1 pixel).

    Returns
    -------
    list of ndarray of float64
        ``[level 0 (the image), level 1, ...]``; level ``l + 1`` has shape
        ``((H_l + 1) // 2, (W_l + 1) // 2)``.

    Notes
    -----
    Each level is the previous one correlated with the binomial kernel
    :math:`\\frac{1}{16}[1, 4, 6, 4, 1]` along rows and columns (border reflect101), keeping the
    even rows and columns: pixel :math:`(x, y)` of level :math:`l + 1` sits at :math:`(2x, 2y)`
    of level :math:`l`, so a point's coordinates simply halve. Smoothing first removes the
    detail the coarser grid cannot hold (no aliasing). Equals ``cv2.pyrDown`` (on float32
    images, to 1e-6).

    References
    ----------
    P. J. Burt and E. H. Adelson, "The Laplacian pyramid as a compact image code", IEEE Trans.
    Communications 31(4), 1983. Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> [p.shape for p in gaussian_pyramid(np.zeros((9, 16)), 2)]
    [(9, 16), (5, 8), (3, 4)]
    """
    image = _gray_frame(image, "image")
    levels = check_int(levels, "levels", min=0, max=_MAX_LEVELS)
    pyramid = [image]
    for _ in range(levels):
        if min(pyramid[-1].shape) < 2:
            break
        pyramid.append(_pyr_down(pyramid[-1]))
    return pyramid


def pyramid_levels(shape: Any, window: int, levels: int) -> int:
    """How many coarser levels pyramidal LK really uses (OpenCV's rule).

    Parameters
    ----------
    shape : (H, W)
        Image shape.
    window : int
        Window side (3 to 101).
    levels : int
        Requested coarser levels (0 to 8).

    Returns
    -------
    int
        The largest ``L <= levels`` such that every level up to ``L`` is larger than the window:
        ``cv2.buildOpticalFlowPyramid`` stops before a level would be no wider or taller than it.

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> pyramid_levels((100, 100), 21, 3)   # 100 -> 50 -> 25 -> 13: 13 is smaller than 21
    2
    """
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"shape must be a pair (H, W); got {describe(shape)}")
    h = check_int(shape[0], "shape[0]", min=1, max=MAX_FLOW_SIDE)
    w = check_int(shape[1], "shape[1]", min=1, max=MAX_FLOW_SIDE)
    window = check_int(window, "window", min=3, max=_MAX_WINDOW)
    levels = check_int(levels, "levels", min=0, max=_MAX_LEVELS)
    for level in range(levels):
        h, w = (h + 1) // 2, (w + 1) // 2
        if w <= window or h <= window:
            return level
    return levels


def _scharr(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.pad(image, 1, mode="reflect")
    dx = p[:, 2:] - p[:, :-2]
    dy = p[2:] - p[:-2]
    gx = (3.0 * dx[:-2] + 10.0 * dx[1:-1] + 3.0 * dx[2:]) / 32.0
    gy = (3.0 * dy[:, :-2] + 10.0 * dy[:, 1:-1] + 3.0 * dy[:, 2:]) / 32.0
    return gx, gy


def scharr_gradients(image: Any) -> tuple[np.ndarray, np.ndarray]:
    """The spatial derivatives LK uses: Scharr's 3x3 kernels divided by 32 (per-pixel slope).

    Parameters
    ----------
    image : (H, W) ndarray
        Gray; uint8 is read as [0, 1].

    Returns
    -------
    gx, gy : (H, W) ndarray of float64
        :math:`\\partial I / \\partial x` and :math:`\\partial I / \\partial y` (per pixel, y down).

    Notes
    -----
    Central differences :math:`\\tfrac12[-1, 0, 1]` smoothed across by :math:`\\tfrac1{16}[3, 10,
    3]` (border reflect101): ``cv2.Scharr`` divided by 32, so that a ramp of slope 1 gives 1.
    Scharr's weights make the derivative's direction more accurate than Sobel's, which matters
    when the derivatives are solved for a motion. ``cv2.calcOpticalFlowPyrLK`` uses them.

    References
    ----------
    H. Scharr, "Optimale Operatoren in der digitalen Bildverarbeitung", PhD thesis, Heidelberg
    2000. Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> gx, gy = scharr_gradients(np.tile(np.arange(5.0) / 10, (4, 1)))   # a ramp of slope 0.1
    >>> gx[1], gy[1]
    (array([0. , 0.1, 0.1, 0.1, 0. ]), array([0., 0., 0., 0., 0.]))
    """
    image = _gray_frame(image, "image")
    return _scharr(image)


# --------------------------------------------------------------------------------------------
# Lucas-Kanade
# --------------------------------------------------------------------------------------------
def lucas_kanade_step(ix: Any, iy: Any, it: Any) -> np.ndarray:
    """One Lucas-Kanade step for one window: the least-squares motion from the derivatives.

    Parameters
    ----------
    ix, iy : (h, w) array_like
        Spatial derivatives of the first frame over the window.
    it : (h, w) array_like
        Temporal difference over the window: second frame minus first.

    Returns
    -------
    (2,) ndarray of float64
        ``(u, v)``: the motion (dx, dy); ``(nan, nan)`` when the window cannot pin it down
        (:math:`\\det A \\le 10^{-9} (\\operatorname{tr} A)^2`: a flat patch or a straight edge).

    Notes
    -----
    Brightness constancy :math:`I(x + u, y + v, t + 1) = I(x, y, t)`, to first order
    :math:`I_x u + I_y v + I_t = 0`: one equation, two unknowns per pixel. Lucas and Kanade
    assume the whole window moves together and minimise :math:`\\sum_W (I_x u + I_y v + I_t)^2`,
    which gives

    .. math:: \\underbrace{\\begin{pmatrix}\\sum I_x^2 & \\sum I_xI_y\\\\ \\sum I_xI_y &
              \\sum I_y^2\\end{pmatrix}}_{A}\\begin{pmatrix}u\\\\v\\end{pmatrix} =
              -\\begin{pmatrix}\\sum I_xI_t\\\\ \\sum I_yI_t\\end{pmatrix}

    :math:`A` is the structure tensor of chapter 05: solvable when both eigenvalues are
    large (a corner); along an edge one eigenvalue is 0 and only the motion across the edge
    is known (the aperture problem).

    References
    ----------
    B. D. Lucas and T. Kanade, "An iterative image registration technique with an application to
    stereo vision", IJCAI 1981. Used in chapters/19_motion.ipynb.

    Examples
    --------
    Two pixels, one with a horizontal and one with a vertical gradient, brightness dropping by
    2 and by 1: the motion is (2, 1).

    >>> lucas_kanade_step([[1.0, 0.0]], [[0.0, 1.0]], [[-2.0, -1.0]])
    array([2., 1.])
    """
    gx = as_array(ix, "ix", ndim=2, kinds="iuf", shape_hint="(h, w)").astype(np.float64)
    gy = as_array(iy, "iy", ndim=2, kinds="iuf", shape_hint="(h, w)").astype(np.float64)
    gt = as_array(it, "it", ndim=2, kinds="iuf", shape_hint="(h, w)").astype(np.float64)
    if not gx.shape == gy.shape == gt.shape:
        raise ValueError(f"ix, iy and it must have the same shape; got {gx.shape}, {gy.shape} "
                         f"and {gt.shape}")
    if gx.size > _MAX_WINDOW**2:
        raise ValueError(f"the window must hold at most {_MAX_WINDOW}x{_MAX_WINDOW} pixels; got "
                         f"{gx.shape}")
    a11, a12, a22 = np.sum(gx * gx), np.sum(gx * gy), np.sum(gy * gy)
    b1, b2 = np.sum(gx * gt), np.sum(gy * gt)
    det = a11 * a22 - a12 * a12
    if det <= 1e-9 * (a11 + a22) ** 2:
        return np.array([np.nan, np.nan])
    return np.array([(a12 * b2 - a22 * b1) / det, (a12 * b1 - a11 * b2) / det])


class _LevelData(NamedTuple):
    prev: np.ndarray  # padded by `pad`, reflect101
    next: np.ndarray
    gx: np.ndarray  # padded by `pad` with zeros (OpenCV's BORDER_CONSTANT for derivatives)
    gy: np.ndarray
    shape: tuple[int, int]
    pad: int


def _lk_levels(prev: np.ndarray, next: np.ndarray, window: int, levels: int):  # noqa: A002
    n = pyramid_levels(prev.shape, window, levels)
    prevs, nexts = [prev], [next]
    for _ in range(n):
        prevs.append(_pyr_down(prevs[-1]))
        nexts.append(_pyr_down(nexts[-1]))
    pad = window + 1
    out = []
    for p, q in zip(prevs, nexts, strict=True):
        gx, gy = _scharr(p)
        out.append(_LevelData(np.pad(p, pad, mode="reflect"), np.pad(q, pad, mode="reflect"),
                              np.pad(gx, pad), np.pad(gy, pad), p.shape, pad))
    return out


def _windows(padded: np.ndarray, pad: int, corners: np.ndarray, window: int) -> np.ndarray:
    """Bilinear samples on ``window x window`` grids whose first sample is at ``corners``."""
    base = np.floor(corners)
    a = (corners - base)[:, :, None, None]
    stride = padded.shape[1]
    start = (base[:, 1].astype(np.intp) + pad) * stride + base[:, 0].astype(np.intp) + pad
    offsets = (np.arange(window + 1)[:, None] * stride + np.arange(window + 1)).ravel()
    g = padded.ravel()[start[:, None] + offsets].reshape(-1, window + 1, window + 1)
    rows = g[:, :, :-1] + a[:, 0] * (g[:, :, 1:] - g[:, :, :-1])  # along x, then along y
    return rows[:, :-1] + a[:, 1] * (rows[:, 1:] - rows[:, :-1])


def _inside(corners: np.ndarray, window: int, shape: tuple[int, int]) -> np.ndarray:
    # OpenCV's test: the window's top-left pixel within [-window, size).
    fx, fy = np.floor(corners[:, 0]), np.floor(corners[:, 1])
    return (fx >= -window) & (fx < shape[1]) & (fy >= -window) & (fy < shape[0])


def lucas_kanade(
    prev: Any,
    next: Any,  # noqa: A002 - the frame after prev, as in OpenCV's nextImg
    points: Any,
    *,
    window: int = 21,
    levels: int = 3,
    iterations: int = 30,
    epsilon: float = 0.01,
    min_eigenvalue: float = 1e-4,
) -> tuple[np.ndarray, np.ndarray]:
    """Track points from ``prev`` to ``next`` by pyramidal Lucas-Kanade (as calcOpticalFlowPyrLK).

    Parameters
    ----------
    prev, next : (H, W) ndarray
        Gray frames of the same shape (uint8, or float in [0, 1]); sides up to 4096.
    points : (N, 2) array_like
        ``(x, y)`` in ``prev``; up to 20,000 points (N = 0 is fine), and at most 2e8 for
        N x window**2 x iterations (a few seconds at worst).
    window : int
        Side of the square window whose pixels are assumed to move together (3 to 101).
    levels : int
        Coarser pyramid levels above the image (0 to 8; OpenCV's ``maxLevel``): motions up to
        about ``window / 2 * 2**levels`` pixels can be found. Fewer are used when a level would
        not be larger than the window (:func:`pyramid_levels`).
    iterations : int
        Largest number of Gauss-Newton steps per level (1 to 100).
    epsilon : float
        Stop a point's iterations when its step is at most this many pixels (0 to 10).
    min_eigenvalue : float
        Lose a point whose window's smaller gradient eigenvalue, per pixel and in OpenCV's units,
        is below this (0 to 1; OpenCV's ``minEigThreshold``).

    Returns
    -------
    next_points : (N, 2) ndarray of float64
        Tracked ``(x, y)`` in ``next``; meaningless where ``status`` is False.
    status : (N,) ndarray of bool
        False for a lost point: its window left the image or could not pin the motion.

    Notes
    -----
    At each level from the coarsest, starting from the motion found above (doubled), iterate
    :func:`lucas_kanade_step` with the first frame's window fixed and the second frame's window
    resampled (bilinearly) at the current estimate:

    .. math:: d \\leftarrow d - A^{-1} \\sum_W \\nabla I \\,\\big(J(p + d) - I(p)\\big)

    until the step is below ``epsilon``; a step that undoes the previous one (an oscillation)
    is halved and ends the iterations, as in OpenCV. The derivatives are Scharr's
    (:func:`scharr_gradients`), zero outside the image; the images extend by reflection.
    Equal to OpenCV's algorithm except in precision: OpenCV rounds the pyramid to 8 bits and the
    window samples to fixed point, this computes in float64 (tracked points agree to about 2e-4
    pixels, median; tests/test_motion.py).

    References
    ----------
    B. D. Lucas and T. Kanade, IJCAI 1981; J.-Y. Bouguet, "Pyramidal implementation of the
    Lucas Kanade feature tracker", Intel Corporation (2000). Used in chapters/19_motion.ipynb.

    Examples
    --------
    A blob moved by (1.5, -0.5):

    >>> y, x = np.mgrid[0:40, 0:40]
    >>> blob = lambda cx, cy: np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 20.0)
    >>> found, ok = lucas_kanade(blob(20, 20), blob(21.5, 19.5), [[20.0, 20.0]], window=15,
    ...                          levels=1)
    >>> np.round(found, 2), ok
    (array([[21.5, 19.5]]), array([ True]))
    """
    a, b = _frame_pair(prev, next)
    pts = _check_points(points)
    window, levels, iterations, epsilon, min_eigenvalue = _check_lk_args(
        window, levels, iterations, epsilon, min_eigenvalue)
    work = len(pts) * window * window * iterations
    if work > _MAX_LK_WORK:
        raise ValueError(
            f"points x window**2 x iterations must be at most {_MAX_LK_WORK:,}; got {len(pts):,} "
            f"points, window={window}, iterations={iterations} ({work:,}) - track fewer points, "
            "or use a smaller window or fewer iterations"
        )
    if len(pts) == 0:
        return np.zeros((0, 2)), np.ones(0, bool)
    pyramid = _lk_levels(a, b, window, levels)
    settings = (window, iterations, epsilon, min_eigenvalue)
    chunk = max(1, _LK_CHUNK // (window + 1) ** 2)  # bounded memory for the window gathers
    parts = [_track_points(pyramid, pts[i : i + chunk], *settings)
             for i in range(0, len(pts), chunk)]
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


def _track_points(pyramid: list[_LevelData], pts: np.ndarray, window: int, iterations: int,
                  epsilon: float, min_eigenvalue: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`lucas_kanade` for a batch of points on a prepared pyramid, all points at once."""
    status = np.ones(len(pts), bool)
    top = len(pyramid) - 1
    half = (window - 1) / 2.0
    area = float(window * window)
    estimate = pts / (1 << top)
    for level in range(top, -1, -1):
        data = pyramid[level]
        if level != top:
            estimate = estimate * 2.0
        corners = pts / (1 << level) - half
        ok = _inside(corners, window, data.shape)
        if level == 0:
            status &= ok
        idx = np.flatnonzero(ok)
        patch = _windows(data.prev, data.pad, corners[idx], window)
        gx = _windows(data.gx, data.pad, corners[idx], window)
        gy = _windows(data.gy, data.pad, corners[idx], window)
        a11 = np.einsum("nij,nij->n", gx, gx)
        a12 = np.einsum("nij,nij->n", gx, gy)
        a22 = np.einsum("nij,nij->n", gy, gy)
        det = a11 * a22 - a12 * a12
        min_eig = (a11 + a22 - np.sqrt((a11 - a22) ** 2 + 4 * a12 * a12)) / (2 * area)
        solvable = (min_eig * _CV_EIGEN_SCALE >= min_eigenvalue) & (
            det * _CV_EIGEN_SCALE**2 >= _FLT_EPSILON)
        if level == 0:
            status[idx[~solvable]] = False
        keep = np.flatnonzero(solvable)
        idx, patch, gx, gy = idx[keep], patch[keep], gx[keep], gy[keep]
        a11, a12, a22, det = a11[keep], a12[keep], a22[keep], det[keep]
        previous = np.zeros((len(idx), 2))
        live = np.arange(len(idx))  # positions into idx still iterating
        for j in range(iterations):
            if not len(live):
                break
            corner = estimate[idx[live]] - half
            inside = _inside(corner, window, data.shape)
            if level == 0:
                status[idx[live[~inside]]] = False
            live, corner = live[inside], corner[inside]
            diff = _windows(data.next, data.pad, corner, window) - patch[live]
            b1 = np.einsum("nij,nij->n", diff, gx[live])
            b2 = np.einsum("nij,nij->n", diff, gy[live])
            step = np.column_stack([(a12[live] * b2 - a22[live] * b1) / det[live],
                                    (a12[live] * b1 - a11[live] * b2) / det[live]])
            estimate[idx[live]] += step
            converged = np.sum(step * step, axis=1) <= epsilon * epsilon
            # OpenCV: a step that (nearly) undoes the previous one is an oscillation; go half way.
            swing = ~converged & (j > 0) & np.all(np.abs(step + previous[live]) < 0.01, axis=1)
            estimate[idx[live[swing]]] -= 0.5 * step[swing]
            previous[live] = step
            live = live[~(converged | swing)]
    return estimate, status


def lucas_kanade_naive(
    prev: Any,
    next: Any,  # noqa: A002
    points: Any,
    *,
    window: int = 21,
    levels: int = 3,
    iterations: int = 30,
    epsilon: float = 0.01,
    min_eigenvalue: float = 1e-4,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`lucas_kanade` one point, one level, one iteration at a time (for reading).

    Same parameters and result; at most 64 points and windows up to 51. The windows are sampled
    with :func:`helpers.transforms.sample_bilinear` and each step is :func:`lucas_kanade_step`.

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> y, x = np.mgrid[0:40, 0:40]
    >>> blob = lambda cx, cy: np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 20.0)
    >>> found, ok = lucas_kanade_naive(blob(20, 20), blob(21.5, 19.5), [[20.0, 20.0]],
    ...                                window=15, levels=1)
    >>> np.round(found, 2), ok
    (array([[21.5, 19.5]]), array([ True]))
    """
    from .transforms import sample_bilinear

    a, b = _frame_pair(prev, next)
    pts = _check_points(points, max_points=_MAX_NAIVE_POINTS)
    window, levels, iterations, epsilon, min_eigenvalue = _check_lk_args(
        window, levels, iterations, epsilon, min_eigenvalue, max_window=_MAX_NAIVE_WINDOW)
    pyramid = _lk_levels(a, b, window, levels)
    top = len(pyramid) - 1
    half = (window - 1) / 2.0
    grid_y, grid_x = np.mgrid[0:window, 0:window].astype(np.float64)
    out, status = np.zeros((len(pts), 2)), np.ones(len(pts), bool)

    def window_at(data: _LevelData, image: np.ndarray, corner: np.ndarray) -> np.ndarray:
        # The window's pixels, bilinearly sampled; `image` is padded by data.pad on each side.
        return sample_bilinear(image, grid_x + corner[0] + data.pad, grid_y + corner[1] + data.pad)

    def inside(data: _LevelData, corner: np.ndarray) -> bool:
        fx, fy = np.floor(corner)
        return -window <= fx < data.shape[1] and -window <= fy < data.shape[0]

    for n, point in enumerate(pts):
        guess = point / (1 << top)  # start at the coarsest level with no motion
        for level in range(top, -1, -1):
            data = pyramid[level]
            if level != top:
                guess = guess * 2.0  # a motion found one level up is twice as long here
            corner = point / (1 << level) - half
            if not inside(data, corner):
                status[n] &= level != 0
                continue
            patch = window_at(data, data.prev, corner)
            gx, gy = window_at(data, data.gx, corner), window_at(data, data.gy, corner)
            a11, a12, a22 = np.sum(gx * gx), np.sum(gx * gy), np.sum(gy * gy)
            min_eig = (a11 + a22 - np.sqrt((a11 - a22) ** 2 + 4 * a12 * a12)) / (2 * window**2)
            if (min_eig * _CV_EIGEN_SCALE < min_eigenvalue
                    or (a11 * a22 - a12 * a12) * _CV_EIGEN_SCALE**2 < _FLT_EPSILON):
                status[n] &= level != 0  # this window cannot pin the motion
                continue
            previous = np.zeros(2)
            for j in range(iterations):
                if not inside(data, guess - half):
                    status[n] &= level != 0
                    break
                # The residual between the moved window of `next` and the fixed one of `prev`:
                it = window_at(data, data.next, guess - half) - patch
                step = lucas_kanade_step(gx, gy, it)
                guess = guess + step
                if step @ step <= epsilon * epsilon:
                    break
                if j > 0 and np.all(np.abs(step + previous) < 0.01):
                    guess = guess - 0.5 * step  # oscillating around the answer: take the middle
                    break
                previous = step
        out[n] = guess
    return out, status


class FlowPyramids(NamedTuple):
    """Per-level arrays of a frame pair that :func:`lucas_kanade_dense` reuses across settings.

    Attributes
    ----------
    prev, next : list of (H_l, W_l) ndarray of float64
        :func:`gaussian_pyramid` of each frame.
    gx, gy : list of (H_l, W_l) ndarray of float64
        :func:`scharr_gradients` of each level of ``prev``.
    """

    prev: list
    next: list
    gx: list
    gy: list


def flow_pyramids(prev: Any, next: Any, levels: int = 3) -> FlowPyramids:  # noqa: A002
    """Precompute the pyramids and derivatives of a frame pair (for repeated dense flows).

    Parameters
    ----------
    prev, next : (H, W) ndarray
        Gray frames of the same shape.
    levels : int
        Coarser levels to build (0 to 8).

    Returns
    -------
    FlowPyramids

    References
    ----------
    Used in chapters/19_motion.ipynb (by the flow explorer).

    Examples
    --------
    >>> pyr = flow_pyramids(np.zeros((32, 32)), np.zeros((32, 32)), 2)
    >>> [g.shape for g in pyr.gx]
    [(32, 32), (16, 16), (8, 8)]
    """
    a, b = _frame_pair(prev, next)
    levels = check_int(levels, "levels", min=0, max=_MAX_LEVELS)
    pa, pb = [a], [b]
    for _ in range(levels):
        if min(pa[-1].shape) < 2:
            break
        pa.append(_pyr_down(pa[-1]))
        pb.append(_pyr_down(pb[-1]))
    grads = [_scharr(p) for p in pa]
    return FlowPyramids(pa, pb, [g[0] for g in grads], [g[1] for g in grads])


def _upsample_flow(flow: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Flow of level l + 1 -> level l: linear between the coarse pixels, vectors doubled.

    Pixel (x, y) of level l + 1 sits at (2x, 2y) of level l, so even pixels copy a coarse
    vector and odd ones average their two (or four) coarse neighbours.
    """
    h, w = shape
    f = 2.0 * np.pad(flow, ((0, 1), (0, 1), (0, 0)), mode="edge")
    out = np.empty((2 * flow.shape[0], 2 * flow.shape[1], 2))
    out[0::2, 0::2] = f[:-1, :-1]
    out[0::2, 1::2] = 0.5 * (f[:-1, :-1] + f[:-1, 1:])
    out[1::2, 0::2] = 0.5 * (f[:-1, :-1] + f[1:, :-1])
    out[1::2, 1::2] = 0.25 * (f[:-1, :-1] + f[:-1, 1:] + f[1:, :-1] + f[1:, 1:])
    return out[:h, :w]


def lucas_kanade_dense(
    prev: Any,
    next: Any,  # noqa: A002
    *,
    window: int = 15,
    levels: int = 3,
    iterations: int = 2,
    min_eigenvalue: float = 1e-4,
    pyramids: FlowPyramids | None = None,
) -> np.ndarray:
    """A flow vector at every pixel: Lucas-Kanade with a window around each pixel, coarse to fine.

    Parameters
    ----------
    prev, next : (H, W) ndarray
        Gray frames of the same shape.
    window : int
        Window side (3 to 101).
    levels : int
        Coarser levels (0 to 8), limited as in :func:`pyramid_levels`.
    iterations : int
        Updates per level (1 to 100; pixels x iterations at most 1e8).
    min_eigenvalue : float
        As in :func:`lucas_kanade`: a pixel whose window cannot pin the motion keeps the
        estimate brought down from the coarser level (zero at the top).
    pyramids : FlowPyramids, optional
        From :func:`flow_pyramids` for these frames (with at least the levels used), to skip
        rebuilding them.

    Returns
    -------
    (H, W, 2) ndarray of float64
        ``(dx, dy)`` per pixel of ``prev``.

    Notes
    -----
    Every pixel solves the Lucas-Kanade system of its own window. To keep that to whole-image
    operations, the second frame is warped once per iteration by the current flow :math:`f` and
    the window sums use the linearisation :math:`J(q + f(p)) \\approx J(q + f(q)) + \\nabla
    I(q)^T (f(p) - f(q))`, which gives the update

    .. math:: f(p) \\leftarrow A(p)^{-1} \\sum_{q \\in W(p)} \\nabla I(q)\\,\\big(\\nabla I(q)^T
              f(q) - (J(q + f(q)) - I(q))\\big)

    (box sums by ``scipy.ndimage.uniform_filter``, border reflect101; the warp samples
    bilinearly, clamped at the border). Compared with Farneback's method (:func:`farneback_flow`)
    against the truth in chapters/19_motion.ipynb.

    References
    ----------
    B. D. Lucas and T. Kanade, IJCAI 1981; J.-Y. Bouguet (2000). Used in
    chapters/19_motion.ipynb.

    Examples
    --------
    >>> y, x = np.mgrid[0:48, 0:48]
    >>> blob = lambda cx: np.exp(-((x - cx) ** 2 + (y - 24) ** 2) / 40.0)
    >>> flow = lucas_kanade_dense(blob(24), blob(25), window=15, levels=1, iterations=5)
    >>> np.round(flow[24, 24], 2)
    array([1., 0.])
    """
    from scipy import ndimage

    window, levels, iterations, _, min_eigenvalue = _check_lk_args(
        window, levels, iterations, 0.01, min_eigenvalue)
    a, b = _frame_pair(prev, next)
    if a.size * iterations > _MAX_DENSE_WORK:
        raise ValueError(f"pixels x iterations must be at most {_MAX_DENSE_WORK:,}; got "
                         f"{a.shape} x {iterations} - use fewer iterations or smaller frames")
    top = pyramid_levels(a.shape, window, levels)
    if pyramids is None:
        pyramids = flow_pyramids(a, b, top)
    elif not isinstance(pyramids, FlowPyramids):
        raise TypeError(f"pyramids must be a FlowPyramids from flow_pyramids(); got "
                        f"{describe(pyramids)}")
    elif pyramids.prev[0].shape != a.shape or len(pyramids.prev) <= top:
        raise ValueError(f"pyramids must be built from frames of shape {a.shape} with at least "
                         f"{top} levels; got shape {pyramids.prev[0].shape} and "
                         f"{len(pyramids.prev) - 1} levels")
    top = min(top, len(pyramids.prev) - 1)
    area = float(window * window)

    def box(values: np.ndarray) -> np.ndarray:
        return ndimage.uniform_filter(values, window, mode="mirror") * area

    flow = np.zeros(pyramids.prev[top].shape + (2,))
    for level in range(top, -1, -1):
        first, second = pyramids.prev[level], pyramids.next[level]
        gx, gy = pyramids.gx[level], pyramids.gy[level]
        h, w = first.shape
        if level != top:
            flow = _upsample_flow(flow, (h, w))
        a11, a12, a22 = box(gx * gx), box(gx * gy), box(gy * gy)
        det = a11 * a22 - a12 * a12
        min_eig = (a11 + a22 - np.sqrt((a11 - a22) ** 2 + 4 * a12 * a12)) / (2 * area)
        solvable = (min_eig * _CV_EIGEN_SCALE >= min_eigenvalue) & (
            det * _CV_EIGEN_SCALE**2 >= _FLT_EPSILON)
        inv_det = np.where(solvable, 1.0 / np.where(solvable, det, 1.0), 0.0)
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
        for _ in range(iterations):
            warped = ndimage.map_coordinates(second, [ys + flow[..., 1], xs + flow[..., 0]],
                                             order=1, mode="nearest")
            c = gx * flow[..., 0] + gy * flow[..., 1] - (warped - first)
            b1, b2 = box(gx * c), box(gy * c)
            new_x = (a22 * b1 - a12 * b2) * inv_det
            new_y = (a11 * b2 - a12 * b1) * inv_det
            flow = np.where(solvable[..., None], np.stack([new_x, new_y], axis=-1), flow)
    return flow


# --------------------------------------------------------------------------------------------
# Tracking features through a sequence; Farneback
# --------------------------------------------------------------------------------------------
def klt_track(
    frames: Any,
    points: Any,
    *,
    window: int = 21,
    levels: int = 3,
    max_backward_error: float | None = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Follow points through a sequence with pyramidal LK, frame to frame (the KLT tracker).

    Parameters
    ----------
    frames : (T, H, W) ndarray
        Gray frames (uint8 or float in [0, 1]), 2 to 1000 of them; T x N at most 100,000.
    points : (N, 2) array_like
        ``(x, y)`` in frame 0, e.g. Shi-Tomasi corners (:func:`helpers.features.corner_peaks`
        of :func:`helpers.features.shi_tomasi_response`, the same as ``cv2.goodFeaturesToTrack``).
    window, levels : int
        As in :func:`lucas_kanade`.
    max_backward_error : float or None
        Forward-backward check: track each point back to the previous frame and drop it when it
        does not return within this many pixels (0 to 100). ``None`` skips the check.

    Returns
    -------
    tracks : (T, N, 2) ndarray of float64
        Position of each point in each frame; NaN once it is lost.
    alive : (T, N) ndarray of bool
        Still tracked in that frame. A lost point stays lost.

    Notes
    -----
    A point is lost when LK fails (window off the image or without texture) or fails the
    forward-backward check, which catches points that drift onto another surface (occlusion)
    because the backward track then does not come home.

    References
    ----------
    C. Tomasi and T. Kanade, "Detection and tracking of point features", CMU-CS-91-132 (1991);
    Z. Kalal, K. Mikolajczyk and J. Matas, "Forward-backward error", ICPR 2010. Used in
    chapters/19_motion.ipynb.

    Examples
    --------
    >>> y, x = np.mgrid[0:40, 0:40]
    >>> frames = np.stack([np.exp(-((x - 15 - t) ** 2 + (y - 20) ** 2) / 20.0) for t in range(3)])
    >>> tracks, alive = klt_track(frames, [[15.0, 20.0]], window=15, levels=1)
    >>> np.round(tracks[:, 0], 2).tolist(), alive[:, 0].tolist()
    ([[15.0, 20.0], [16.0, 20.0], [17.0, 20.0]], [True, True, True])
    """
    arr = as_array(frames, "frames", ndim=3, kinds="biuf", shape_hint="(T, H, W)")
    if not 2 <= len(arr) <= 1000:
        raise ValueError(f"frames must hold 2 to 1000 frames; got {len(arr)}")
    pts = _check_points(points)
    if len(arr) * len(pts) > _MAX_TRACK_WORK:
        raise ValueError(f"frames x points must be at most {_MAX_TRACK_WORK:,}; got {len(arr)} "
                         f"frames and {len(pts)} points - track fewer points or frames")
    window = check_int(window, "window", min=3, max=_MAX_WINDOW)
    levels = check_int(levels, "levels", min=0, max=_MAX_LEVELS)
    if max_backward_error is not None:
        max_backward_error = check_float(max_backward_error, "max_backward_error", min=0.0,
                                         max=100.0)
    tracks = np.full((len(arr), len(pts), 2), np.nan)
    alive = np.zeros((len(arr), len(pts)), bool)
    tracks[0], alive[0] = pts, True
    for t in range(1, len(arr)):
        idx = np.flatnonzero(alive[t - 1])
        if not len(idx):
            break
        start = tracks[t - 1, idx]
        found, ok = lucas_kanade(arr[t - 1], arr[t], start, window=window, levels=levels)
        if max_backward_error is not None:
            back, ok_back = lucas_kanade(arr[t], arr[t - 1], found, window=window, levels=levels)
            ok &= ok_back & (np.hypot(*(back - start).T) <= max_backward_error)
        tracks[t, idx[ok]] = found[ok]
        alive[t, idx[ok]] = True
    return tracks, alive


def farneback_flow(
    prev: Any,
    next: Any,  # noqa: A002
    *,
    levels: int = 3,
    pyr_scale: float = 0.5,
    window: int = 15,
    iterations: int = 3,
    poly_n: int = 5,
    poly_sigma: float = 1.2,
) -> np.ndarray:
    """Dense optical flow by Farneback's polynomial expansion (``cv2.calcOpticalFlowFarneback``).

    Parameters
    ----------
    prev, next : (H, W) ndarray
        Gray frames of the same shape (converted to uint8 for OpenCV).
    levels : int
        Coarser pyramid levels (0 to 8; OpenCV's ``levels`` counts the image too, so it gets
        ``levels + 1``).
    pyr_scale : float
        Each level's scale relative to the one below (0.1 to 0.9).
    window : int
        Averaging window (3 to 101).
    iterations : int
        Iterations per level (1 to 100).
    poly_n : {5, 7}
        Neighbourhood of the polynomial fit.
    poly_sigma : float
        Gaussian sigma of that fit (0.5 to 3; 1.1 for poly_n 5 and 1.5 for 7 are usual).

    Returns
    -------
    (H, W, 2) ndarray of float64
        ``(dx, dy)`` per pixel of ``prev``.

    Notes
    -----
    Each neighbourhood is approximated by a quadratic polynomial :math:`x^TAx + b^Tx + c`; a
    translation :math:`d` changes :math:`b` into :math:`b - 2Ad`, so :math:`d` follows from the
    two frames' coefficients, averaged over the window and refined coarse to fine.

    OpenCV silently uses fewer levels than asked on small images: at most the largest ``l``
    with ``pyr_scale**(l + 1) * min(H, W) >= 32`` (measured in tests/test_motion.py: 1 coarser
    level for 192x256, 2 for the 500x741 motorcycle), which limits the motions it can follow.

    References
    ----------
    G. Farneback, "Two-frame motion estimation based on polynomial expansion", SCIA 2003.
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    >>> y, x = np.mgrid[0:64, 0:64]
    >>> blob = lambda cx: np.exp(-((x - cx) ** 2 + (y - 32) ** 2) / 60.0)
    >>> float(np.round(farneback_flow(blob(32), blob(33), levels=1)[32, 32, 0], 1))
    1.0
    """
    import cv2

    a, b = _frame_pair(prev, next)
    levels = check_int(levels, "levels", min=0, max=_MAX_LEVELS)
    pyr_scale = check_float(pyr_scale, "pyr_scale", min=0.1, max=0.9)
    window = check_int(window, "window", min=3, max=_MAX_WINDOW)
    iterations = check_int(iterations, "iterations", min=1, max=_MAX_ITERATIONS)
    poly_n = check_choice(poly_n, "poly_n", (5, 7))
    poly_sigma = check_float(poly_sigma, "poly_sigma", min=0.5, max=3.0)
    flow = cv2.calcOpticalFlowFarneback(as_uint8_image(a, "prev"), as_uint8_image(b, "next"),
                                        None, pyr_scale, levels + 1, window, iterations, poly_n,
                                        poly_sigma, 0)
    return flow.astype(np.float64)


# --------------------------------------------------------------------------------------------
# Localisation: template matching
# --------------------------------------------------------------------------------------------
def _template_args(image: Any, template: Any, *, max_side: int = MAX_FLOW_SIDE):
    img = check_image(image, "image")
    tpl = check_image(template, "template")
    if img.ndim != tpl.ndim:
        raise ValueError(f"image and template must both be gray or both RGB; got shapes "
                         f"{img.shape} and {tpl.shape}")
    if max(img.shape[:2]) > max_side:
        raise ValueError(f"image must be at most {max_side} pixels a side; got {img.shape}")
    if tpl.shape[0] > img.shape[0] or tpl.shape[1] > img.shape[1]:
        raise ValueError(f"template {tpl.shape[:2]} must not be larger than the image "
                         f"{img.shape[:2]}")
    padded = (img.shape[0] + tpl.shape[0] - 1) * (img.shape[1] + tpl.shape[1] - 1)
    if padded * (img.shape[2] if img.ndim == 3 else 1) > _MAX_FFT_SIZE:
        raise ValueError(f"image {img.shape} with template {tpl.shape} needs an FFT of "
                         f"{padded:,} pixels per channel (at most {_MAX_FFT_SIZE:,} in all); "
                         "downscale the image or crop the search region")
    if img.ndim == 2:
        img, tpl = img[..., None], tpl[..., None]
    return img, tpl


def _normalise_scores(num: np.ndarray, energy: np.ndarray, sum2: np.ndarray,
                      template_norm: float) -> np.ndarray:
    """OpenCV's division, with its guards: 0 for a (nearly) flat window, +-1 for a tiny overshoot.

    ``energy`` is the window's sum of squares about its mean, ``sum2`` its plain sum of squares:
    OpenCV treats ``energy <= min(0.5, 10 FLT_EPSILON sum2)`` as rounding noise (a flat window).
    """
    energy = np.maximum(energy, 0.0)
    flat = energy <= np.minimum(0.5, 10 * _FLT_EPSILON * sum2)
    t = np.where(flat, 0.0, np.sqrt(energy)) * template_norm
    out = np.zeros_like(num)
    ok = np.abs(num) < t
    out[ok] = num[ok] / t[ok]
    near = ~ok & (np.abs(num) < 1.125 * t)
    out[near] = np.sign(num[near])
    return out


def match_template_naive(image: Any, template: Any) -> np.ndarray:
    """:func:`match_template` one position at a time (for reading; small images only).

    Same parameters and result; at most 2e7 pixel products (positions x template pixels).

    References
    ----------
    Used in chapters/19_motion.ipynb.

    Examples
    --------
    The bump is found at x = 0 and at x = 2, whatever its height (contrast does not count):

    >>> img = np.array([[0.0, 1.0, 0.0, 2.0, 0.0]])
    >>> match_template_naive(img, np.array([[0.0, 1.0, 0.0]]))
    array([[ 1.       , -0.8660254,  1.       ]])
    """
    img, tpl = _template_args(image, template)
    h, w = tpl.shape[:2]
    out_h, out_w = img.shape[0] - h + 1, img.shape[1] - w + 1
    if out_h * out_w * tpl.size > _MAX_TEMPLATE_WORK:
        raise ValueError(f"match_template_naive would compute {out_h * out_w * tpl.size:,} "
                         f"products (at most {_MAX_TEMPLATE_WORK:,}); use match_template")
    t = tpl - tpl.mean(axis=(0, 1))  # the template minus its mean, per channel
    template_norm = np.sqrt(np.sum(t * t))
    if template_norm < np.finfo(np.float64).eps:
        return np.ones((out_h, out_w))  # a flat template matches everything equally (OpenCV)
    out = np.zeros((out_h, out_w))
    for y in range(out_h):
        for x in range(out_w):
            win = img[y : y + h, x : x + w]
            centred = win - win.mean(axis=(0, 1))  # the window minus its own mean
            num = np.sum(t * centred)  # covariance of template and window (times h w)
            energy = np.sum(centred * centred)  # the window's variance (times h w)
            out[y, x] = _normalise_scores(np.array([num]), np.array([energy]),
                                          np.array([np.sum(win * win)]), template_norm)[0]
    return out


def match_template(image: Any, template: Any) -> np.ndarray:
    """Normalised cross-correlation of a template at every position: ``TM_CCOEFF_NORMED``.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        Where to look (any real dtype; sides up to 4096, and (H + h - 1)(W + w - 1) x channels
        at most 2**24).
    template : (h, w) or (h, w, 3) ndarray
        What to look for; no larger than the image, same number of channels.

    Returns
    -------
    (H - h + 1, W - w + 1) ndarray of float64
        ``scores[y, x]`` in [-1, 1] for the template's top-left corner at ``(x, y)``: 1 is a
        perfect match up to brightness and contrast.

    Notes
    -----
    With :math:`T' = T - \\bar T` and :math:`I'` the window minus its own mean,

    .. math:: R(x, y) = \\frac{\\sum_{i,j} T'(i, j)\\, I'(x + j, y + i)}
              {\\sqrt{\\sum T'^2 \\sum I'^2}}

    (colour: sums over the channels too). The numerator is a correlation of the image with
    :math:`T'` (:math:`T'` sums to zero, so the window's mean drops out), computed with the FFT;
    the window energies :math:`\\sum I'^2 = \\sum I^2 - (\\sum I)^2 / n` come from two integral
    images (:func:`helpers.features.integral_image`; exact integers for uint8 images). OpenCV's
    guards are kept: a flat window (:math:`\\sum I'^2 \\le \\min(0.5, 10\\,\\epsilon_{32}\\sum
    I^2)`) scores 0, a flat template 1 everywhere. Equals ``cv2.matchTemplate(image, template,
    cv2.TM_CCOEFF_NORMED)`` within 1e-4 on random images; on photos, where a window or the
    template has almost no contrast (a standard deviation near one gray level), OpenCV's float32
    correlation loses digits and the two differ by up to about 1e-3 (2e-2 for a template cut
    from a flat sky); there this function equals the float64 loop of
    :func:`match_template_naive` (tests/test_motion.py).

    References
    ----------
    J. P. Lewis, "Fast normalized cross-correlation", Vision Interface 1995. Used in
    chapters/19_motion.ipynb.

    Examples
    --------
    The bump is found at x = 0 and at x = 2, whatever its height (contrast does not count):

    >>> img = np.array([[0.0, 1.0, 0.0, 2.0, 0.0]])
    >>> match_template(img, np.array([[0.0, 1.0, 0.0]]))
    array([[ 1.       , -0.8660254,  1.       ]])
    """
    from scipy.signal import fftconvolve

    from .features import integral_image

    img, tpl = _template_args(image, template)
    h, w = tpl.shape[:2]
    n = h * w
    out_h, out_w = img.shape[0] - h + 1, img.shape[1] - w + 1
    t = tpl - tpl.mean(axis=(0, 1))
    template_norm = float(np.sqrt(np.sum(t * t)))
    if template_norm < np.finfo(np.float64).eps:
        return np.ones((out_h, out_w))
    num = np.zeros((out_h, out_w))
    energy = np.zeros((out_h, out_w))
    squares = np.zeros((out_h, out_w))
    # 8-bit images: window sums exact in int64 (n * sum2 stays below 2**63 for n <= 1e7).
    exact = img.dtype in (np.uint8, np.bool_) and n <= 10**7
    for c in range(img.shape[2]):
        channel = img[..., c].astype(np.int64 if exact else np.float64)
        # Correlation = convolution with the flipped kernel.
        num += fftconvolve(channel.astype(np.float64), t[::-1, ::-1, c], mode="valid")
        s1 = integral_image(channel)
        s2 = integral_image(channel * channel)
        sum1 = s1[h:, w:] - s1[:-h, w:] - s1[h:, :-w] + s1[:-h, :-w]
        sum2 = s2[h:, w:] - s2[:-h, w:] - s2[h:, :-w] + s2[:-h, :-w]
        energy += (n * sum2 - sum1 * sum1) / n  # sum of squares of the window minus its mean
        squares += sum2
    return _normalise_scores(num, energy, squares, template_norm)
