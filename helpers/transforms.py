"""Geometric transforms: homogeneous matrices, inverse mapping, nearest and bilinear sampling.

Used in chapters/04_transforms.ipynb (and, for the rotated + scaled test pair, in
chapters/05_corners.ipynb).

Conventions (the same as OpenCV's, so that every result here can be compared with ``cv2``):

* A point is ``(x, y)``: ``x`` counts columns to the right, ``y`` counts rows **downwards**; the
  centre of pixel ``image[r, c]`` is the point ``(x, y) = (c, r)``.
* Angles are in degrees, and a **positive angle turns the picture counter-clockwise as you see it
  on screen** (``cv2.getRotationMatrix2D``'s convention). Because ``y`` points down, the matrix
  that does this is :math:`\\begin{pmatrix}\\cos\\theta & \\sin\\theta\\\\ -\\sin\\theta &
  \\cos\\theta\\end{pmatrix}`, the transpose of the textbook (y-up) rotation.
* A 2x3 matrix ``M`` is the *forward* map, source point -> destination point, as
  ``cv2.warpAffine`` takes it. The 3x3 builders (:func:`translation_matrix`,
  :func:`scaling_matrix`, :func:`shear_matrix`, ``rotation_matrix(..., homogeneous=True)``) return
  homogeneous matrices with last row ``[0, 0, 1]``, so that composing transforms is a matrix
  product: :func:`compose_affine` takes them **in the order they are applied**.
* :func:`warp_affine` uses *inverse mapping*: for every destination pixel it asks where it came
  from (``M^-1``) and samples the source there, nearest or bilinear. Samples outside the source
  read ``fill`` (OpenCV's ``BORDER_CONSTANT``); bilinear samples straddling the border blend the
  image with ``fill`` as OpenCV does. :func:`warp_affine_forward` shows why nobody maps forward:
  it leaves holes.

Agreement with OpenCV (tests/test_transforms.py): :func:`rotation_matrix` equals
``cv2.getRotationMatrix2D`` to 1e-12; :func:`invert_affine` equals ``cv2.invertAffineTransform``;
:func:`warp_affine` computes exact bilinear interpolation in floating point, while
``cv2.warpAffine`` rounds each source coordinate to 1/32 pixel (``INTER_BITS = 5``), so the two
differ by at most about 0.015 on [0, 1] images (mean below 5e-4); with ``"nearest"`` at least 99%
of pixels are equal (OpenCV rounds the fixed-point coordinate, so ties at exactly .5 can go the
other way).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import as_array, check_choice, check_float, check_image, check_int, describe

__all__ = [
    "MAX_OUTPUT_SIDE",
    "affine_matrix",
    "check_interpolation",
    "compose_affine",
    "invert_affine",
    "rotation_matrix",
    "sample_bilinear",
    "sample_bilinear_naive",
    "sample_nearest",
    "sample_nearest_naive",
    "scaling_matrix",
    "shear_matrix",
    "to_homogeneous",
    "transform_points",
    "translation_matrix",
    "warp_affine",
    "warp_affine_forward",
    "warp_affine_naive",
]

#: Largest output side :func:`warp_affine` accepts (memory stays bounded by row blocks).
MAX_OUTPUT_SIDE = 4096
#: Largest output side and number of points the loop versions accept (a few seconds of Python).
_MAX_NAIVE_SIDE = 256
_MAX_NAIVE_POINTS = 2**16
#: Largest number of points a sampler or :func:`transform_points` takes in one call.
_MAX_POINTS = 2**25
#: Bounds on geometric parameters: far beyond any sensible use, small enough to stay finite.
_MAX_COORD = 1e6
_MAX_ANGLE = 1e6
_MAX_SCALE = 1e3
_MAX_SHEAR = 100.0
#: Smallest |determinant| of an invertible 2x2 part.
_MIN_DET = 1e-12
_ROW_BLOCK = 256


# --------------------------------------------------------------------------------------------
# Validation shared by the module
# --------------------------------------------------------------------------------------------
def _check_xy(value: Any, name: str) -> tuple[float, float]:
    arr = as_array(value, name, ndim=1, kinds="iuf", shape_hint="(x, y)")
    if arr.shape != (2,):
        raise ValueError(f"{name} must be two numbers (x, y); got shape {arr.shape}")
    x = check_float(float(arr[0]), f"{name}[0]", min=-_MAX_COORD, max=_MAX_COORD)
    y = check_float(float(arr[1]), f"{name}[1]", min=-_MAX_COORD, max=_MAX_COORD)
    return x, y


def _check_matrix(matrix: Any, name: str = "matrix") -> np.ndarray:
    """A 2x3 affine matrix or a 3x3 one with last row [0, 0, 1]; returned as 3x3 float64."""
    m = as_array(matrix, name, ndim=2, kinds="iuf", shape_hint="(2, 3) or (3, 3)")
    if m.shape not in ((2, 3), (3, 3)):
        raise ValueError(
            f"{name} must have shape (2, 3) (OpenCV's affine matrix) or (3, 3) (homogeneous); "
            f"got shape {m.shape}"
        )
    m = m.astype(np.float64)
    if np.abs(m).max() > _MAX_COORD:
        raise ValueError(
            f"{name} entries must lie within +-{_MAX_COORD:g}; got a largest |entry| of "
            f"{np.abs(m).max():.3g}"
        )
    if m.shape == (3, 3):
        if not np.allclose(m[2], [0.0, 0.0, 1.0], atol=1e-9):
            raise ValueError(
                f"{name} must be affine: a 3x3 matrix needs the last row [0, 0, 1]; got "
                f"{m[2].tolist()} - a projective matrix (homography) is not an affine warp"
            )
        return m
    return np.vstack([m, [0.0, 0.0, 1.0]])


def _check_invertible(m3: np.ndarray, name: str = "matrix") -> None:
    det = float(np.linalg.det(m3[:2, :2]))
    if abs(det) < _MIN_DET:
        raise ValueError(
            f"{name} is singular (determinant of its 2x2 part is {det:.3g}): it squashes the plane "
            "onto a line or a point, so it has no inverse - check for a zero scale"
        )


def _check_output_shape(output_shape: Any, image: np.ndarray, *, max_side: int) -> tuple[int, int]:
    if output_shape is None:
        h, w = image.shape[:2]
        if h > max_side or w > max_side:
            raise ValueError(
                f"output_shape defaults to the image's {(h, w)}, larger than {max_side} a side; "
                "pass a smaller output_shape or crop the image"
            )
        return int(h), int(w)
    if not isinstance(output_shape, (tuple, list)) or len(output_shape) != 2:
        raise TypeError(
            f"output_shape must be a pair (H, W) of integers or None; got {describe(output_shape)}"
        )
    h = check_int(output_shape[0], "output_shape[0] (H)", min=1, max=max_side)
    w = check_int(output_shape[1], "output_shape[1] (W)", min=1, max=max_side)
    return h, w


def check_interpolation(interpolation: Any) -> str:
    """Validate an interpolation name: ``"bilinear"`` or ``"nearest"``.

    Examples
    --------
    >>> check_interpolation("nearest")
    'nearest'
    """
    if not isinstance(interpolation, str):
        raise TypeError(
            f"interpolation must be 'bilinear' or 'nearest'; got {describe(interpolation)}"
        )
    return check_choice(interpolation, "interpolation", ("nearest", "bilinear"))


def _check_fill(fill: Any, image: np.ndarray) -> float:
    if image.dtype == np.uint8:
        return check_float(fill, "fill", min=0, max=255)
    return check_float(fill, "fill", min=-_MAX_COORD, max=_MAX_COORD)


def _warp_image(image: Any, name: str = "image") -> np.ndarray:
    image = check_image(image, name)
    if image.dtype.kind in "iu" and image.dtype != np.uint8:
        raise TypeError(
            f"{name} must be uint8, bool or float; got dtype {image.dtype} - convert with "
            "helpers.image.as_float_image() or .astype(np.uint8)"
        )
    return image


def _work_dtype(image: np.ndarray) -> type:
    return np.float64 if image.dtype == np.float64 else np.float32


def _finish(out: np.ndarray, image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:  # like OpenCV: round to the nearest gray level
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out


# --------------------------------------------------------------------------------------------
# Matrices
# --------------------------------------------------------------------------------------------
def rotation_matrix(
    center: Any, angle: float, scale: float = 1.0, *, homogeneous: bool = False
) -> np.ndarray:
    """Rotate by ``angle`` degrees about ``center`` and scale by ``scale``: OpenCV's 2x3 matrix.

    Parameters
    ----------
    center : (2,) array_like
        The fixed point ``(x, y)`` in pixels (x to the right, y down).
    angle : float
        Degrees; positive turns the picture counter-clockwise on screen (|angle| <= 1e6).
    scale : float
        Isotropic scale factor (|scale| <= 1000; 0 gives a singular matrix).
    homogeneous : bool
        Return the 3x3 homogeneous matrix instead of the 2x3 one.

    Returns
    -------
    (2, 3) or (3, 3) ndarray of float64

    Notes
    -----
    With :math:`\\alpha = s\\cos\\theta`, :math:`\\beta = s\\sin\\theta` and centre
    :math:`(c_x, c_y)`:

    .. math:: M = \\begin{pmatrix} \\alpha & \\beta & (1-\\alpha)c_x - \\beta c_y \\\\
              -\\beta & \\alpha & \\beta c_x + (1-\\alpha) c_y \\end{pmatrix}
              = T(c)\\,R(\\theta)\\,S(s)\\,T(-c)

    (move the centre to the origin, rotate and scale, move back). Equal to
    ``cv2.getRotationMatrix2D(center, angle, scale)``, same argument order and sign; like
    OpenCV, the centre is rounded to float32 first.

    References
    ----------
    R. Szeliski, *Computer Vision: Algorithms and Applications*, 2nd ed., Sec. 2.1.1 (2022).
    Used in chapters/04_transforms.ipynb.

    Examples
    --------
    A quarter turn about the origin sends the point (1, 0) (right) to (0, -1) (up on screen):

    >>> m = rotation_matrix((0, 0), 90)
    >>> np.round(m, 12) + 0.0
    array([[ 0.,  1.,  0.],
           [-1.,  0.,  0.]])
    >>> np.round(m @ [1, 0, 1], 12) + 0.0
    array([ 0., -1.])
    """
    cx, cy = _check_xy(center, "center")
    # OpenCV stores the centre as float32 (cv::Point2f): round it the same way, so that the
    # matrices are equal to the last bit, not only to 1e-7.
    cx, cy = float(np.float32(cx)), float(np.float32(cy))
    theta = check_float(angle, "angle", min=-_MAX_ANGLE, max=_MAX_ANGLE) * (np.pi / 180)
    s = check_float(scale, "scale", min=-_MAX_SCALE, max=_MAX_SCALE)
    if not isinstance(homogeneous, (bool, np.bool_)):
        raise TypeError(f"homogeneous must be True or False; got {describe(homogeneous)}")
    a, b = s * np.cos(theta), s * np.sin(theta)
    m = np.array([[a, b, (1 - a) * cx - b * cy], [-b, a, b * cx + (1 - a) * cy], [0, 0, 1.0]])
    return m if homogeneous else m[:2].copy()


def translation_matrix(tx: float, ty: float) -> np.ndarray:
    """Shift by ``tx`` pixels to the right and ``ty`` pixels down: a 3x3 homogeneous matrix.

    Parameters
    ----------
    tx, ty : float
        The shift (|t| <= 1e6).

    Returns
    -------
    (3, 3) ndarray of float64

    Notes
    -----
    .. math:: T = \\begin{pmatrix}1&0&t_x\\\\0&1&t_y\\\\0&0&1\\end{pmatrix}, \\qquad
              T\\begin{pmatrix}x\\\\y\\\\1\\end{pmatrix} =
              \\begin{pmatrix}x+t_x\\\\y+t_y\\\\1\\end{pmatrix}

    A shift is not linear (it moves the origin), so no 2x2 matrix does it; the extra
    coordinate 1 of homogeneous coordinates turns it into a matrix product.

    References
    ----------
    R. Szeliski, *Computer Vision*, 2nd ed., Sec. 2.1.1 (2022). Used in
    chapters/04_transforms.ipynb.

    Examples
    --------
    >>> translation_matrix(5, -2) @ [1, 1, 1]
    array([ 6., -1.,  1.])
    """
    tx = check_float(tx, "tx", min=-_MAX_COORD, max=_MAX_COORD)
    ty = check_float(ty, "ty", min=-_MAX_COORD, max=_MAX_COORD)
    return np.array([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])


def scaling_matrix(sx: float, sy: float | None = None) -> np.ndarray:
    """Scale x by ``sx`` and y by ``sy`` (default ``sx``: uniform) about the origin; 3x3.

    Parameters
    ----------
    sx : float
        Horizontal factor (0 < |sx| <= 1000; negative mirrors).
    sy : float, optional
        Vertical factor, same bounds; ``None`` means ``sx`` (uniform scaling).

    Returns
    -------
    (3, 3) ndarray of float64

    Notes
    -----
    .. math:: S = \\begin{pmatrix}s_x&0&0\\\\0&s_y&0\\\\0&0&1\\end{pmatrix}

    It scales about the point (0, 0), the *centre of the top-left pixel*; compose with
    translations to scale about another point (:func:`affine_matrix`).

    References
    ----------
    Used in chapters/04_transforms.ipynb.

    Examples
    --------
    >>> scaling_matrix(2, 0.5) @ [3, 4, 1]
    array([6., 2., 1.])
    """
    sx = check_float(sx, "sx", min=-_MAX_SCALE, max=_MAX_SCALE)
    sy = sx if sy is None else check_float(sy, "sy", min=-_MAX_SCALE, max=_MAX_SCALE)
    for name, v in (("sx", sx), ("sy", sy)):
        if v == 0:
            raise ValueError(f"{name} must be non-zero (0 squashes the image to a line); got 0.0")
    return np.array([[sx, 0.0, 0.0], [0.0, sy, 0.0], [0.0, 0.0, 1.0]])


def shear_matrix(shx: float = 0.0, shy: float = 0.0) -> np.ndarray:
    """Shear: ``x' = x + shx * y`` and ``y' = y + shy * x``; a 3x3 homogeneous matrix.

    Parameters
    ----------
    shx, shy : float
        Shear factors (|sh| <= 100); ``shx = tan(phi)`` slants vertical lines by ``phi``.

    Returns
    -------
    (3, 3) ndarray of float64

    Notes
    -----
    .. math:: H = \\begin{pmatrix}1&s_x&0\\\\s_y&1&0\\\\0&0&1\\end{pmatrix}

    Singular when ``shx * shy == 1``.

    References
    ----------
    Used in chapters/04_transforms.ipynb.

    Examples
    --------
    >>> shear_matrix(0.5) @ [0, 2, 1]
    array([1., 2., 1.])
    """
    shx = check_float(shx, "shx", min=-_MAX_SHEAR, max=_MAX_SHEAR)
    shy = check_float(shy, "shy", min=-_MAX_SHEAR, max=_MAX_SHEAR)
    return np.array([[1.0, shx, 0.0], [shy, 1.0, 0.0], [0.0, 0.0, 1.0]])


def to_homogeneous(matrix: Any) -> np.ndarray:
    """A 2x3 affine matrix as the 3x3 homogeneous one (last row ``[0, 0, 1]``).

    Parameters
    ----------
    matrix : (2, 3) or (3, 3) array_like

    Returns
    -------
    (3, 3) ndarray of float64

    References
    ----------
    Used in chapters/04_transforms.ipynb.

    Examples
    --------
    >>> to_homogeneous([[1, 0, 5], [0, 1, 2]])
    array([[1., 0., 5.],
           [0., 1., 2.],
           [0., 0., 1.]])
    """
    return _check_matrix(matrix)


def compose_affine(*matrices: Any) -> np.ndarray:
    """Compose affine maps **in the order they are applied**: first argument first.

    Parameters
    ----------
    *matrices : (2, 3) or (3, 3) array_like
        One to 64 matrices.

    Returns
    -------
    (3, 3) ndarray of float64
        ``compose_affine(A, B, C) = C @ B @ A`` (homogeneous).

    Notes
    -----
    Applying :math:`A` and then :math:`B` to a point :math:`p` gives :math:`B(Ap) = (BA)p`: the
    matrix applied first stands on the right. Matrix products do not commute, so the order
    matters: rotating then shifting is not shifting then rotating.

    References
    ----------
    Used in chapters/04_transforms.ipynb.

    Examples
    --------
    Shift right by 1, then scale by 2: the point (0, 0) ends at (2, 0).

    >>> compose_affine(translation_matrix(1, 0), scaling_matrix(2)) @ [0, 0, 1]
    array([2., 0., 1.])
    """
    if not 1 <= len(matrices) <= 64:
        raise ValueError(f"compose_affine takes 1 to 64 matrices; got {len(matrices)}")
    out = np.eye(3)
    for i, m in enumerate(matrices):
        out = _check_matrix(m, f"matrices[{i}]") @ out
    return out


def invert_affine(matrix: Any) -> np.ndarray:
    """The inverse of an affine map, as a 2x3 matrix (like ``cv2.invertAffineTransform``).

    Parameters
    ----------
    matrix : (2, 3) or (3, 3) array_like
        Invertible affine matrix.

    Returns
    -------
    (2, 3) ndarray of float64

    Raises
    ------
    ValueError
        If the matrix is singular.

    Notes
    -----
    For :math:`p' = Ap + t`: :math:`p = A^{-1}p' - A^{-1}t`.

    References
    ----------
    Used in chapters/04_transforms.ipynb.

    Examples
    --------
    >>> invert_affine([[2, 0, 4], [0, 2, 0]])
    array([[ 0.5,  0. , -2. ],
           [ 0. ,  0.5, -0. ]])
    """
    m = _check_matrix(matrix)
    _check_invertible(m)
    a_inv = np.linalg.inv(m[:2, :2])
    return np.hstack([a_inv, -(a_inv @ m[:2, 2:3])])


def affine_matrix(
    *,
    angle: float = 0.0,
    scale: float = 1.0,
    shear: float = 0.0,
    shift: Any = (0.0, 0.0),
    center: Any = (0.0, 0.0),
) -> np.ndarray:
    """Shear, then scale, then rotate about ``center``, then shift: one 3x3 matrix.

    Parameters
    ----------
    angle : float
        Degrees, positive counter-clockwise on screen.
    scale : float
        Isotropic factor (0 < |scale| <= 1000).
    shear : float
        Horizontal shear factor ``x' = x + shear * y`` (|shear| <= 100), about ``center``.
    shift : (2,) array_like
        Final translation ``(tx, ty)`` in pixels.
    center : (2,) array_like
        The point that shear, scale and rotation keep fixed.

    Returns
    -------
    (3, 3) ndarray of float64

    Notes
    -----
    .. math:: M = T(t)\\,T(c)\\,R(\\theta)\\,S(s)\\,H(h)\\,T(-c)

    With ``shear = 0`` and ``shift = (0, 0)`` this is
    ``rotation_matrix(center, angle, scale, homogeneous=True)``.

    References
    ----------
    Used in chapters/04_transforms.ipynb (and its explorer).

    Examples
    --------
    >>> m = affine_matrix(angle=30, scale=1.5, center=(10, 20))
    >>> bool(np.allclose(m, rotation_matrix((10, 20), 30, 1.5, homogeneous=True)))
    True
    """
    cx, cy = _check_xy(center, "center")
    tx, ty = _check_xy(shift, "shift")
    s = check_float(scale, "scale", min=-_MAX_SCALE, max=_MAX_SCALE)
    if s == 0:
        raise ValueError("scale must be non-zero (0 squashes the image to a point); got 0.0")
    return compose_affine(
        translation_matrix(-cx, -cy),
        shear_matrix(check_float(shear, "shear", min=-_MAX_SHEAR, max=_MAX_SHEAR), 0.0),
        rotation_matrix((0.0, 0.0), angle, s, homogeneous=True),
        translation_matrix(cx + tx, cy + ty),
    )


def transform_points(matrix: Any, points: Any) -> np.ndarray:
    """Apply an affine (2x3 / 3x3) or projective (3x3) matrix to ``(x, y)`` points.

    Parameters
    ----------
    matrix : (2, 3) or (3, 3) array_like
        A 3x3 matrix whose last row is not ``[0, 0, 1]`` is treated as a homography (the result
        is divided by the third coordinate).
    points : (N, 2) array_like
        ``(x, y)`` pairs; at most 2**25 of them.

    Returns
    -------
    (N, 2) ndarray of float64

    Notes
    -----
    :math:`(x', y', w')^T = M (x, y, 1)^T`, then :math:`(x'/w', y'/w')`; :math:`w' = 1` for an
    affine matrix. Equal to ``cv2.transform`` (affine) and ``cv2.perspectiveTransform``
    (homography).

    References
    ----------
    Used in chapters/04_transforms.ipynb and chapters/05_corners.ipynb.

    Examples
    --------
    >>> transform_points(translation_matrix(1, 2), [[0, 0], [3, 4]])
    array([[1., 2.],
           [4., 6.]])
    """
    m = as_array(matrix, "matrix", ndim=2, kinds="iuf", shape_hint="(2, 3) or (3, 3)")
    if m.shape not in ((2, 3), (3, 3)):
        raise ValueError(f"matrix must have shape (2, 3) or (3, 3); got shape {m.shape}")
    pts = as_array(points, "points", ndim=2, kinds="iuf", shape_hint="(N, 2)")
    if pts.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2) holding (x, y); got shape {pts.shape}")
    if len(pts) > _MAX_POINTS:
        raise ValueError(f"points must hold at most {_MAX_POINTS} points; got {len(pts)}")
    m = m.astype(np.float64)
    pts = pts.astype(np.float64)
    out = pts @ m[:, :2].T + m[:, 2]
    if m.shape == (2, 3):
        return out
    w = out[:, 2:3]
    if np.any(np.abs(w) < 1e-12):
        raise ValueError(
            "matrix sends a point to infinity (third coordinate 0); check the homography"
        )
    return out[:, :2] / w


# --------------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------------
def _check_coords(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    xs = as_array(x, "x", kinds="iuf", allow_empty=True).astype(np.float64)
    ys = as_array(y, "y", kinds="iuf", allow_empty=True).astype(np.float64)
    if xs.shape != ys.shape:
        raise ValueError(f"x and y must have the same shape; got {xs.shape} and {ys.shape}")
    if xs.size > _MAX_POINTS:
        raise ValueError(f"x and y must hold at most {_MAX_POINTS} points; got {xs.size}")
    return xs, ys


def sample_nearest(image: Any, x: Any, y: Any, *, fill: float = 0.0) -> np.ndarray:
    """The value of the pixel nearest to each point ``(x, y)``; ``fill`` outside the image.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        uint8, bool or float.
    x, y : ndarray, same shape S
        Coordinates (x to the right, y down; pixel centres at integers).
    fill : float
        Value for points whose nearest pixel is outside the image, in the image's units.

    Returns
    -------
    ndarray of shape S (gray) or S + (3,) (colour)
        float32 (float64 for a float64 image).

    Notes
    -----
    The nearest pixel of :math:`x` is :math:`\\lfloor x + 1/2 \\rfloor` (halves round up, as
    ``cv2.warpAffine`` with ``INTER_NEAREST`` does).

    References
    ----------
    Used in chapters/04_transforms.ipynb.

    Examples
    --------
    >>> img = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> sample_nearest(img, np.array([0.4, 0.5, 2.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 3., 0.])
    """
    image = _warp_image(image)
    xs, ys = _check_coords(x, y)
    fill = _check_fill(fill, image)
    h, w = image.shape[:2]
    xi = np.floor(xs + 0.5)
    yi = np.floor(ys + 0.5)
    inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    flat = (np.where(inside, yi, 0) * w + np.where(inside, xi, 0)).astype(np.intp)
    table = image.reshape(h * w, -1)
    out = np.take(table, flat.ravel(), axis=0).astype(_work_dtype(image))
    out = out.reshape(xs.shape + image.shape[2:])
    out[~inside] = fill
    return out


def sample_nearest_naive(image: Any, x: Any, y: Any, *, fill: float = 0.0) -> np.ndarray:
    """:func:`sample_nearest` with one loop iteration per point (for reading, not for speed).

    Same parameters and result; at most 2**16 points.

    References
    ----------
    Used in chapters/04_transforms.ipynb.

    Examples
    --------
    >>> sample_nearest_naive(np.array([[0.0, 1.0]]), np.array([0.6]), np.array([0.0]))
    array([1.])
    """
    image = _warp_image(image)
    xs, ys = _check_coords(x, y)
    fill = _check_fill(fill, image)
    if xs.size > _MAX_NAIVE_POINTS:
        raise ValueError(
            f"x and y must hold at most {_MAX_NAIVE_POINTS} points for the loop version; got "
            f"{xs.size} - use the vectorised function"
        )
    h, w = image.shape[:2]
    out = np.empty(xs.shape + image.shape[2:], _work_dtype(image))
    for idx in np.ndindex(xs.shape):
        col = int(np.floor(xs[idx] + 0.5))  # round half up to the nearest pixel centre
        row = int(np.floor(ys[idx] + 0.5))
        if 0 <= row < h and 0 <= col < w:
            out[idx] = image[row, col]
        else:
            out[idx] = fill
    return out


def sample_bilinear(image: Any, x: Any, y: Any, *, fill: float = 0.0) -> np.ndarray:
    """Bilinear interpolation of ``image`` at points ``(x, y)``; ``fill`` outside the image.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        uint8, bool or float.
    x, y : ndarray, same shape S
        Coordinates (x to the right, y down; pixel centres at integers).
    fill : float
        The value of every pixel outside the image, in the image's units.

    Returns
    -------
    ndarray of shape S (gray) or S + (3,) (colour)
        float32 (float64 for a float64 image), not rounded.

    Notes
    -----
    With :math:`x_0 = \\lfloor x \\rfloor`, :math:`a = x - x_0` (and :math:`y_0`, :math:`b` in y),
    the four surrounding pixels are weighted by the area of the opposite sub-rectangle:

    .. math:: I(x, y) = (1-a)(1-b)\\,I_{00} + a(1-b)\\,I_{01} + (1-a)b\\,I_{10} + ab\\,I_{11}

    Neighbours outside the image take the value ``fill``, so values near the border blend the
    image with ``fill`` (OpenCV's ``BORDER_CONSTANT``).

    References
    ----------
    R. Szeliski, *Computer Vision*, 2nd ed., Sec. 3.5.1 (2022). Used in
    chapters/04_transforms.ipynb.

    Examples
    --------
    Half way between 0 and 2, a quarter of the way from row 0 to row 1:

    >>> img = np.array([[0.0, 2.0], [4.0, 6.0]])
    >>> sample_bilinear(img, np.array([0.5]), np.array([0.25]))
    array([2.])
    """
    image = _warp_image(image)
    xs, ys = _check_coords(x, y)
    fill = _check_fill(fill, image)
    return _bilinear(image, xs, ys, fill)


def _bilinear(image: np.ndarray, xs: np.ndarray, ys: np.ndarray, fill: float) -> np.ndarray:
    dtype = _work_dtype(image)
    h, w = image.shape[:2]
    channels = image.shape[2] if image.ndim == 3 else 1
    # One ring of `fill` around the image: every neighbour index then exists. Pixels are rows
    # of a flat (pixels, channels) table, so each neighbour is one np.take of flat indices.
    stride = w + 2
    padded = np.full((h + 2, stride, channels), fill, dtype)
    padded[1:-1, 1:-1] = image.reshape(h, w, channels)
    table = padded.reshape(-1, channels)
    inside = (xs > -1) & (xs < w) & (ys > -1) & (ys < h)
    xc = np.where(inside, xs, 0.0)
    yc = np.where(inside, ys, 0.0)
    x0 = np.floor(xc)
    y0 = np.floor(yc)
    a = (xc - x0).astype(dtype).reshape(-1, 1)  # how far towards the right neighbour
    b = (yc - y0).astype(dtype).reshape(-1, 1)  # how far towards the lower neighbour
    idx = ((y0.astype(np.intp) + 1) * stride + x0.astype(np.intp) + 1).ravel()
    # (1 - a) I00 + a I01 written as I00 + a (I01 - I00): fewer temporary arrays.
    top = np.take(table, idx, axis=0)
    top += a * (np.take(table, idx + 1, axis=0) - top)
    bottom = np.take(table, idx + stride, axis=0)
    bottom += a * (np.take(table, idx + stride + 1, axis=0) - bottom)
    top += b * (bottom - top)
    out = top.reshape(xs.shape + image.shape[2:])
    out[~inside] = fill
    return out


def sample_bilinear_naive(image: Any, x: Any, y: Any, *, fill: float = 0.0) -> np.ndarray:
    """:func:`sample_bilinear` with one loop iteration per point, commented for a learner.

    Same parameters and result; at most 2**16 points.

    References
    ----------
    Used in chapters/04_transforms.ipynb.

    Examples
    --------
    >>> sample_bilinear_naive(np.array([[0.0, 2.0], [4.0, 6.0]]), np.array([0.5]), np.array([0.25]))
    array([2.])
    """
    image = _warp_image(image)
    xs, ys = _check_coords(x, y)
    fill = _check_fill(fill, image)
    if xs.size > _MAX_NAIVE_POINTS:
        raise ValueError(
            f"x and y must hold at most {_MAX_NAIVE_POINTS} points for the loop version; got "
            f"{xs.size} - use the vectorised function"
        )
    h, w = image.shape[:2]
    dtype = _work_dtype(image)

    def pixel(row: int, col: int):
        # The image, extended by `fill` outside (OpenCV's BORDER_CONSTANT).
        if 0 <= row < h and 0 <= col < w:
            return image[row, col].astype(np.float64)
        return np.full(image.shape[2:], fill)

    out = np.empty(xs.shape + image.shape[2:], dtype)
    for idx in np.ndindex(xs.shape):
        px, py = xs[idx], ys[idx]
        if not (-1 < px < w and -1 < py < h):  # all four neighbours outside
            out[idx] = fill
            continue
        col, row = int(np.floor(px)), int(np.floor(py))  # the top-left neighbour
        a, b = px - col, py - row  # how far towards the right and the bottom neighbours
        top = (1 - a) * pixel(row, col) + a * pixel(row, col + 1)
        bottom = (1 - a) * pixel(row + 1, col) + a * pixel(row + 1, col + 1)
        out[idx] = (1 - b) * top + b * bottom
    return out


# --------------------------------------------------------------------------------------------
# Warping
# --------------------------------------------------------------------------------------------
def _prepare_warp(image, matrix, output_shape, interpolation, fill, max_side):
    image = _warp_image(image)
    m = _check_matrix(matrix)
    _check_invertible(m)
    shape = _check_output_shape(output_shape, image, max_side=max_side)
    check_interpolation(interpolation)
    fill = _check_fill(fill, image)
    inverse = np.vstack([invert_affine(m), [0.0, 0.0, 1.0]])
    return image, inverse, shape, fill


def warp_affine(
    image: Any,
    matrix: Any,
    output_shape: tuple[int, int] | None = None,
    *,
    interpolation: str = "bilinear",
    fill: float = 0.0,
) -> np.ndarray:
    """Warp an image by an affine map, by inverse mapping: OpenCV's ``warpAffine``.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        uint8, bool or float.
    matrix : (2, 3) or (3, 3) array_like
        The **forward** map, source point -> destination point (as ``cv2.warpAffine`` takes it);
        must be invertible.
    output_shape : (H_out, W_out), optional
        Rows and columns of the result (each 1 to 4096); default the image's.
    interpolation : {"bilinear", "nearest"}
    fill : float
        Value of destination pixels whose source lies outside the image, in the image's units
        (0-255 for uint8).

    Returns
    -------
    (H_out, W_out) or (H_out, W_out, 3) ndarray
        uint8 (rounded) for a uint8 image, float64 for float64, float32 otherwise.

    Raises
    ------
    ValueError
        Singular or non-affine matrix, output side outside 1-4096, unknown interpolation, fill
        outside 0-255 for a uint8 image.

    Notes
    -----
    For every destination pixel :math:`p'`, find its source :math:`p = M^{-1}p'` and sample the
    image there (:func:`sample_bilinear` or :func:`sample_nearest`). Every destination pixel
    gets exactly one value: no holes, no pixel written twice (compare
    :func:`warp_affine_forward`).

    Agrees with ``cv2.warpAffine(image, M[:2], (W_out, H_out), flags=cv2.INTER_LINEAR`` (or
    ``INTER_NEAREST``) ``, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)``: bilinear to
    within OpenCV's 1/32-pixel coordinate rounding (at most about 0.015 on [0, 1] images, mean
    below 5e-4), nearest on at least 99% of pixels (tests/test_transforms.py).

    References
    ----------
    G. Wolberg, *Digital Image Warping*, IEEE Computer Society Press (1990), ch. 3. Used in
    chapters/04_transforms.ipynb.

    Examples
    --------
    Shift a 1x4 row one pixel to the right:

    >>> warp_affine(np.array([[1.0, 2.0, 3.0, 4.0]]), [[1, 0, 1], [0, 1, 0]])
    array([[0., 1., 2., 3.]])
    """
    image, inverse, (h, w), fill = _prepare_warp(
        image, matrix, output_shape, interpolation, fill, MAX_OUTPUT_SIDE
    )
    out = np.empty((h, w) + image.shape[2:], _work_dtype(image))
    cols = np.arange(w, dtype=np.float64)
    for r0 in range(0, h, _ROW_BLOCK):  # row blocks keep the coordinate arrays small
        rows = np.arange(r0, min(h, r0 + _ROW_BLOCK), dtype=np.float64)[:, None]
        xs = inverse[0, 0] * cols + inverse[0, 1] * rows + inverse[0, 2]
        ys = inverse[1, 0] * cols + inverse[1, 1] * rows + inverse[1, 2]
        if interpolation == "bilinear":
            out[r0 : r0 + len(rows)] = _bilinear(image, xs, ys, fill)
        else:
            out[r0 : r0 + len(rows)] = sample_nearest(image, xs, ys, fill=fill)
    return _finish(out, image)


def warp_affine_naive(
    image: Any,
    matrix: Any,
    output_shape: tuple[int, int] | None = None,
    *,
    interpolation: str = "bilinear",
    fill: float = 0.0,
) -> np.ndarray:
    """:func:`warp_affine` with one loop iteration per destination pixel (sides up to 256).

    Same parameters and result as :func:`warp_affine`; spelled out for reading.

    References
    ----------
    Used in chapters/04_transforms.ipynb.

    Examples
    --------
    >>> warp_affine_naive(np.array([[1.0, 2.0, 3.0, 4.0]]), [[1, 0, 1], [0, 1, 0]])
    array([[0., 1., 2., 3.]])
    """
    image, inverse, (h, w), fill = _prepare_warp(
        image, matrix, output_shape, interpolation, fill, _MAX_NAIVE_SIDE
    )
    sampler = sample_bilinear_naive if interpolation == "bilinear" else sample_nearest_naive
    out = np.empty((h, w) + image.shape[2:], _work_dtype(image))
    for row in range(h):
        for col in range(w):
            # Where did destination pixel (col, row) come from? Apply the inverse map.
            src_x = inverse[0, 0] * col + inverse[0, 1] * row + inverse[0, 2]
            src_y = inverse[1, 0] * col + inverse[1, 1] * row + inverse[1, 2]
            out[row, col] = sampler(image, np.array(src_x), np.array(src_y), fill=fill)
    return _finish(out, image)


def warp_affine_forward(
    image: Any, matrix: Any, output_shape: tuple[int, int] | None = None, *, fill: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Forward mapping, the way *not* to warp: send each source pixel to its rounded target.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
    matrix : (2, 3) or (3, 3) array_like
        Forward affine map (need not be invertible here).
    output_shape : (H_out, W_out), optional
        Each side 1 to 4096; default the image's.
    fill : float
        Value of destination pixels that no source pixel reaches.

    Returns
    -------
    warped : ndarray, like :func:`warp_affine`'s
        When several source pixels land on one destination pixel, the last one written wins.
    hit : (H_out, W_out) ndarray of bool
        Destination pixels that received a source pixel; inside the warped picture the others
        are the holes.

    Notes
    -----
    :math:`p' = \\operatorname{round}(Mp)` for every source pixel :math:`p`. Enlarging by
    :math:`s > 1` spreads :math:`HW` source pixels over :math:`s^2 HW` destination pixels, so at
    least a share :math:`1 - 1/s^2` of them stays empty; rotating leaves a pattern of holes even
    at scale 1. Inverse mapping (:func:`warp_affine`) has neither problem.

    References
    ----------
    G. Wolberg, *Digital Image Warping* (1990), Sec. 3.1. Used in chapters/04_transforms.ipynb.

    Examples
    --------
    Doubling a 1x2 row leaves every other destination pixel empty:

    >>> warped, hit = warp_affine_forward(np.array([[5.0, 7.0]]), scaling_matrix(2), (1, 4))
    >>> warped, hit
    (array([[5., 0., 7., 0.]]), array([[ True, False,  True, False]]))
    """
    image = _warp_image(image)
    m = _check_matrix(matrix)
    h, w = _check_output_shape(output_shape, image, max_side=MAX_OUTPUT_SIDE)
    fill = _check_fill(fill, image)
    rows, cols = np.indices(image.shape[:2])
    xs = m[0, 0] * cols + m[0, 1] * rows + m[0, 2]
    ys = m[1, 0] * cols + m[1, 1] * rows + m[1, 2]
    xi, yi = np.floor(xs + 0.5).astype(np.int64), np.floor(ys + 0.5).astype(np.int64)
    ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    out = np.full((h, w) + image.shape[2:], fill, _work_dtype(image))
    out[yi[ok], xi[ok]] = image[ok]
    hit = np.zeros((h, w), bool)
    hit[yi[ok], xi[ok]] = True
    return _finish(out, image), hit
