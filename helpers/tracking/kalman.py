"""The constant-velocity Kalman filters that SORT and Deep SORT run on every track.

Two filters, one algebra (predict ``x = F x``, ``P = F P F^T + Q``; update with a gain
``K = P H^T S^-1``), which differ in *what* they track and *how noisy* they think the world is:

* :class:`SortKalmanFilter`, SORT's (Bewley et al. 2016): state
  ``(u, v, s, r, u', v', s')`` - box centre, **area** ``s = w h`` and aspect ``r = w / h``,
  velocities for the centre and the area only (the aspect is taken as constant). Its noise is
  **fixed**, in pixels and square pixels whatever the size of the box.
* :class:`KalmanBoxFilter`, Deep SORT's (Wojke et al. 2017): state
  ``(cx, cy, a, h, vx, vy, va, vh)`` - centre, aspect ``a = w / h``, **height**, all four with
  velocities. Its noise is **proportional to the box height**: a near (tall) person may move
  more pixels per frame than a far (small) one.

Both hold **no state**: ``predict(mean, cov)`` takes a track's ``(mean, cov)`` and returns the
new pair; each track stores its own. That is what makes two trackers started twice give identical
results, and lets the widget show a predicted and an updated box side by side. Each filter also
converts boxes to its measurements and back (:meth:`~KalmanBoxFilter.box_to_measurement`,
:meth:`~KalmanBoxFilter.state_to_box`), so a tracker can run on either.

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_array, check_float, check_instance
from .boxes import xyah_to_xyxy, xysr_to_xyxy, xyxy_to_xyah, xyxy_to_xysr

__all__ = [
    "CHI2_95",
    "GATING_THRESHOLD",
    "MAX_SEQUENCE",
    "KalmanBoxFilter",
    "SortKalmanFilter",
    "filter_sequence",
]

#: 95 % quantiles of the chi-square distribution by degrees of freedom (scipy.stats.chi2.ppf).
CHI2_95 = {1: 3.8415, 2: 5.9915, 3: 7.8147, 4: 9.4877, 5: 11.070, 6: 12.592, 7: 14.067, 8: 15.507}

#: Deep SORT's gate on the squared Mahalanobis distance of a 4-d measurement (95 %, 4 dof).
GATING_THRESHOLD = CHI2_95[4]

#: Longest sequence :func:`filter_sequence` accepts (frames), and most tracks one call takes.
MAX_SEQUENCE = 100_000


class _ConstantVelocity:
    """The algebra both filters share: 4 measured numbers, the first ``dim - 4`` with velocities.

    Subclasses set ``dim`` and ``measurement_name`` and give the unchecked ``_process_noise``,
    ``_measurement_noise``, ``_initial_covariance`` and the box conversions.
    """

    dim = 8
    measurement_name = "xyah"

    # -- the model -----------------------------------------------------------------------------
    @property
    def motion_matrix(self) -> np.ndarray:
        """``F``, (dim, dim): each measured entry with a velocity moves by it, once per frame."""
        F = np.eye(self.dim)
        k = self.dim - 4
        F[:k, 4:] = np.eye(k)
        return F

    @property
    def measurement_matrix(self) -> np.ndarray:
        """``H``, (4, dim): the detector measures the first four state entries."""
        return np.eye(4, self.dim)

    # -- checks --------------------------------------------------------------------------------
    def _check_state(self, mean: Any, cov: Any) -> tuple[np.ndarray, np.ndarray]:
        n = self.dim
        mean = as_array(mean, "mean", ndim=(1, 2), kinds="iuf", shape_hint=f"({n},) or (N, {n})")
        cov = as_array(cov, "cov", ndim=(2, 3), kinds="iuf",
                       shape_hint=f"({n}, {n}) or (N, {n}, {n})")
        if mean.shape[-1] != n or cov.shape[-2:] != (n, n) or mean.shape[:-1] != cov.shape[:-2]:
            raise ValueError(
                f"mean and cov must have shapes ({n},) and ({n}, {n}) (or (N, {n}) and "
                f"(N, {n}, {n})) for {type(self).__name__}; got {mean.shape} and {cov.shape}"
            )
        if mean.ndim == 2 and len(mean) > MAX_SEQUENCE:
            raise ValueError(f"mean must hold at most {MAX_SEQUENCE} tracks; got {len(mean)}")
        return mean.astype(np.float64), cov.astype(np.float64)

    def _check_measurement(self, z: Any, name: str = "measurement") -> np.ndarray:
        fmt = self.measurement_name
        z = as_array(z, name, ndim=(1, 2), kinds="iuf", shape_hint=f"(4,) or (N, 4) {fmt}")
        if z.shape[-1] != 4:
            raise ValueError(f"{name} must be {fmt} boxes of shape (4,) or (N, 4); "
                             f"got shape {z.shape}")
        if z.ndim == 2 and len(z) > MAX_SEQUENCE:
            raise ValueError(f"{name} must hold at most {MAX_SEQUENCE} boxes; got {len(z)}")
        if (z[..., 2:] <= 0).any():
            raise ValueError(f"{name} must have positive sizes (the last two of {fmt}); got "
                             f"{z[(z[..., 2:] <= 0).any(axis=-1)][:3].tolist()} - drop boxes "
                             "with no width or height first")
        return z.astype(np.float64)

    def _check_means(self, mean: Any) -> np.ndarray:
        n = self.dim
        mean = as_array(mean, "mean", ndim=(1, 2), kinds="iuf", shape_hint=f"({n},) or (N, {n})")
        if mean.shape[-1] != n:
            raise ValueError(f"mean must have shape ({n},) or (N, {n}) for "
                             f"{type(self).__name__}; got {mean.shape}")
        if mean.ndim == 2 and len(mean) > MAX_SEQUENCE:
            raise ValueError(f"mean must hold at most {MAX_SEQUENCE} tracks; got {len(mean)}")
        return mean.astype(np.float64)

    # -- the noise: public methods validate, the steps call the unchecked ``_`` versions --------
    def process_noise(self, mean: Any) -> np.ndarray:
        """``Q`` for the state(s) ``mean`` (dim,) or (N, dim): (dim, dim) or (N, dim, dim)."""
        return self._process_noise(self._check_means(mean))

    def measurement_noise(self, mean: Any) -> np.ndarray:
        """``R`` for the state(s) ``mean`` (dim,) or (N, dim): (4, 4) or (N, 4, 4)."""
        return self._measurement_noise(self._check_means(mean))

    def initial_covariance(self, measurement: Any) -> np.ndarray:
        """``P_0`` of new tracks from measurement(s) (4,) or (N, 4): (dim, dim) or (N, ...)."""
        return self._initial_covariance(self._check_measurement(measurement))

    # -- the steps -----------------------------------------------------------------------------
    def initiate(self, measurement: Any) -> tuple[np.ndarray, np.ndarray]:
        """A new track from one measurement: zero velocity, a wide velocity uncertainty.

        Parameters
        ----------
        measurement : (4,) or (N, 4) array_like
            In this filter's measurement format (:meth:`box_to_measurement` makes it).

        Returns
        -------
        mean : (dim,) or (N, dim) ndarray
        cov : (dim, dim) or (N, dim, dim) ndarray
        """
        z = self._check_measurement(measurement)
        mean = np.concatenate([z, np.zeros(z.shape[:-1] + (self.dim - 4,))], axis=-1)
        return mean, self._initial_covariance(z)

    def predict(self, mean: Any, cov: Any) -> tuple[np.ndarray, np.ndarray]:
        """One frame ahead: ``(F x, F P F^T + Q)``; one track or a stack of N."""
        return self._predict(*self._check_state(mean, cov))

    def _predict(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Unchecked core. F only adds velocities to positions, so F x and F P F^T are sums of
        # blocks; written out, that is several times faster than two matrix products.
        k = self.dim - 4
        mean = self._before_predict(mean)
        Q = self._process_noise(mean)
        new_mean = mean.copy()
        new_mean[..., :k] += mean[..., 4:]
        FP = cov.copy()
        FP[..., :k, :] += cov[..., 4:, :]
        FPFt = FP.copy()
        FPFt[..., :, :k] += FP[..., :, 4:]
        return new_mean, FPFt + Q

    def _before_predict(self, mean: np.ndarray) -> np.ndarray:
        return mean

    def project(self, mean: Any, cov: Any) -> tuple[np.ndarray, np.ndarray]:
        """The state in measurement space: ``(H x, H P H^T + R)``, shapes (..., 4), (..., 4, 4)."""
        mean, cov = self._check_state(mean, cov)
        return mean[..., :4], cov[..., :4, :4] + self._measurement_noise(mean)

    def update(self, mean: Any, cov: Any, measurement: Any) -> tuple[np.ndarray, np.ndarray]:
        """Correct a predicted state with a measurement; one track or a stack of N."""
        mean, cov = self._check_state(mean, cov)
        z = self._check_measurement(measurement)
        if z.shape[:-1] != mean.shape[:-1]:
            raise ValueError(f"measurement must match mean: shape {mean.shape[:-1] + (4,)}; "
                             f"got {z.shape}")
        return self._update(mean, cov, z)

    def _update(self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        S = cov[..., :4, :4] + self._measurement_noise(mean)
        PHt = cov[..., :, :4]  # P H^T: H only picks the first four columns
        # K = P H^T S^-1, computed as a solve (S is symmetric positive definite).
        K = np.swapaxes(np.linalg.solve(S, np.swapaxes(PHt, -1, -2)), -1, -2)
        new_mean = mean + (K @ (z - mean[..., :4])[..., None])[..., 0]
        new_cov = cov - K @ S @ np.swapaxes(K, -1, -2)
        return new_mean, new_cov

    def gating_distance(
        self, mean: Any, cov: Any, measurements: Any, *, only_position: bool = False
    ) -> np.ndarray:
        """Squared Mahalanobis distances from one track (or N tracks) to M measurements.

        Parameters
        ----------
        mean : (dim,) or (N, dim) ndarray
        cov : (dim, dim) or (N, dim, dim) ndarray
        measurements : (M, 4) array_like
            In this filter's measurement format.
        only_position : bool
            Use only the centre (2 dof; gate with ``CHI2_95[2]`` then).

        Returns
        -------
        (M,) or (N, M) ndarray of float64

        Notes
        -----
        :math:`d^2 = (z - Hx)^\\top S^{-1} (z - Hx)` with :math:`S = H P H^\\top + R`:
        chi-square with 4 degrees of freedom when the model is right.

        Examples
        --------
        >>> kf = KalmanBoxFilter()
        >>> m, P = kf.initiate([100, 50, 0.5, 40])
        >>> d = kf.gating_distance(m, P, [[100, 50, 0.5, 40], [130, 50, 0.5, 40]])
        >>> bool(d[0] == 0), bool(d[1] > GATING_THRESHOLD)
        (True, True)
        """
        from .._validation import check_bool

        mean, cov = self._check_state(mean, cov)
        z = as_array(measurements, "measurements", ndim=2, kinds="iuf", allow_empty=True,
                     shape_hint=f"(M, 4) {self.measurement_name}").astype(np.float64)
        if z.shape[1] != 4:
            raise ValueError(f"measurements must have shape (M, 4); got {z.shape}")
        if len(z) > MAX_SEQUENCE:
            raise ValueError(f"measurements must hold at most {MAX_SEQUENCE} boxes; got {len(z)}")
        only_position = check_bool(only_position, "only_position")
        z_pred, S = mean[..., :4], cov[..., :4, :4] + self._measurement_noise(mean)
        if only_position:
            z_pred, S, z = z_pred[..., :2], S[..., :2, :2], z[:, :2]
        # S is a small symmetric positive definite matrix: its inverse is cheap and accurate
        # here, and one einsum then handles all tracks and measurements at once.
        S_inv = np.linalg.inv(S)
        d = z - z_pred[..., None, :]  # (..., M, k)
        return np.einsum("...mi,...ij,...mj->...m", d, S_inv, d)


@dataclass(frozen=True)
class KalmanBoxFilter(_ConstantVelocity):
    """Deep SORT's constant-velocity filter for boxes in ``xyah`` form; stateless.

    Parameters
    ----------
    std_weight_position : float > 0
        Process noise on position per frame, as a fraction of the box height (deep_sort: 1/20).
    std_weight_velocity : float > 0
        Process noise on velocity per frame, as a fraction of the box height (deep_sort: 1/160).
    std_weight_measurement : float > 0
        Detector noise, as a fraction of the box height (deep_sort: 1/20, the same constant as
        the position noise).

    Notes
    -----
    State :math:`x = (c_x, c_y, a, h, \\dot c_x, \\dot c_y, \\dot a, \\dot h)`, measurement
    :math:`z = (c_x, c_y, a, h)`. With :math:`F = \\begin{pmatrix} I_4 & I_4 \\\\ 0 & I_4
    \\end{pmatrix}` (one frame per step) and :math:`H = (I_4 \\; 0)`:

    .. math::
        \\text{predict:}\\quad & \\hat x = F x, \\quad \\hat P = F P F^\\top + Q \\\\
        \\text{update:}\\quad & S = H \\hat P H^\\top + R, \\quad K = \\hat P H^\\top S^{-1}, \\\\
        & x' = \\hat x + K (z - H \\hat x), \\quad P' = \\hat P - K S K^\\top

    :math:`Q` and :math:`R` are diagonal with standard deviations proportional to the height
    :math:`h` (the aspect ratio gets small constants, 1e-2 and 1e-5; 1e-1 in :math:`R`): for
    position :math:`\\sigma_p h`, for velocity :math:`\\sigma_v h`, for the measurement
    :math:`\\sigma_m h`. A new track starts with standard deviations :math:`2 \\sigma_p h` and
    :math:`10 \\sigma_v h`. Deep SORT rejects pairs with :math:`d^2 > 9.4877`
    (:data:`GATING_THRESHOLD`, see :meth:`gating_distance`). Agrees with ``cv2.KalmanFilter``
    given the same F, H, Q, R to 1e-8 (the tests).

    References
    ----------
    R. E. Kalman, "A New Approach to Linear Filtering and Prediction Problems", 1960.
    N. Wojke, A. Bewley, D. Paulus, "Simple Online and Realtime Tracking with a Deep Association
    Metric", ICIP 2017 (the model and noise constants). Used in chapters/20_sort.ipynb and
    chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> kf = KalmanBoxFilter()
    >>> mean, cov = kf.initiate([100, 50, 0.5, 40])
    >>> mean, cov = kf.predict(mean, cov)           # velocity starts at 0: the box stays put
    >>> mean[:4].tolist()
    [100.0, 50.0, 0.5, 40.0]
    >>> mean, cov = kf.update(mean, cov, [104, 50, 0.5, 40])
    >>> round(float(mean[0]), 2), round(float(mean[4]), 2)   # moves towards 104, learns vx > 0
    (103.47, 0.83)
    """

    std_weight_position: float = 1.0 / 20
    std_weight_velocity: float = 1.0 / 160
    std_weight_measurement: float = 1.0 / 20

    dim = 8
    measurement_name = "xyah"

    def __post_init__(self) -> None:
        for name in ("std_weight_position", "std_weight_velocity", "std_weight_measurement"):
            check_float(getattr(self, name), name, min=0, max=100, min_inclusive=False)

    def _diagonal(self, h: np.ndarray, weights: tuple, constants: tuple) -> np.ndarray:
        # diag(weights * h + constants)^2 for every h: one multiply and one scatter, cheaper
        # than stacking eight arrays (this runs once per track per frame).
        std = h[..., None] * np.array(weights) + np.array(constants)
        n = len(weights)
        out = np.zeros(h.shape + (n, n))
        out[..., np.arange(n), np.arange(n)] = std**2
        return out

    def _process_noise(self, mean: np.ndarray) -> np.ndarray:
        """``Q``, (..., 8, 8), diagonal, scaled by the height ``mean[..., 3]``."""
        p, v = self.std_weight_position, self.std_weight_velocity
        return self._diagonal(np.asarray(mean, np.float64)[..., 3], (p, p, 0, p, v, v, 0, v),
                              (0, 0, 1e-2, 0, 0, 0, 1e-5, 0))

    def _measurement_noise(self, mean: np.ndarray) -> np.ndarray:
        """``R``, (..., 4, 4), diagonal, scaled by the height ``mean[..., 3]``."""
        m = self.std_weight_measurement
        return self._diagonal(np.asarray(mean, np.float64)[..., 3], (m, m, 0, m), (0, 0, 1e-1, 0))

    def _initial_covariance(self, measurement: np.ndarray) -> np.ndarray:
        """``P_0``, (..., 8, 8): twice the position noise, ten times the velocity noise."""
        p, v = 2 * self.std_weight_position, 10 * self.std_weight_velocity
        return self._diagonal(np.asarray(measurement, np.float64)[..., 3],
                              (p, p, 0, p, v, v, 0, v), (0, 0, 1e-2, 0, 0, 0, 1e-5, 0))

    def box_to_measurement(self, boxes: Any) -> np.ndarray:
        """xyxy boxes (N, 4) to this filter's measurements, xyah (N, 4)."""
        return xyxy_to_xyah(boxes)

    def state_to_box(self, mean: Any) -> np.ndarray:
        """Means (N, 8) to xyxy boxes (N, 4)."""
        mean = as_array(mean, "mean", ndim=2, kinds="iuf", allow_empty=True, shape_hint="(N, 8)")
        if mean.shape[1] != 8:
            raise ValueError(f"mean must have shape (N, 8); got {mean.shape}")
        return xyah_to_xyxy(mean[:, :4])


def _variances(value: Any, name: str, n: int) -> tuple[float, ...]:
    if not isinstance(value, (tuple, list)) or len(value) != n:
        raise TypeError(f"{name} must be a tuple of {n} variances; got {value!r}")
    return tuple(check_float(v, f"{name}[{i}]", min=0, max=1e12, min_inclusive=False)
                 for i, v in enumerate(value))


@dataclass(frozen=True)
class SortKalmanFilter(_ConstantVelocity):
    """SORT's constant-velocity filter on ``(u, v, s, r)``: centre, area, aspect; stateless.

    Parameters
    ----------
    process_var : tuple of 7 floats > 0
        Diagonal of ``Q`` for ``(u, v, s, r, u', v', s')`` (SORT: ``(1, 1, 1, 1, 0.01, 0.01,
        1e-4)``), in px², px⁴, ... per frame: the same for every box.
    measurement_var : tuple of 4 floats > 0
        Diagonal of ``R`` for ``(u, v, s, r)`` (SORT: ``(1, 1, 10, 10)``).
    initial_var : tuple of 7 floats > 0
        Diagonal of ``P_0`` for a new track (SORT: ``(10, 10, 10, 10, 1e4, 1e4, 1e4)``: the
        velocities are unknown).

    Notes
    -----
    State :math:`x = (u, v, s, r, \\dot u, \\dot v, \\dot s)`: the aspect ratio :math:`r = w/h`
    is taken as constant, so it has no velocity. Same predict / update equations as
    :class:`KalmanBoxFilter`, with

    .. math::
        F = \\begin{pmatrix} I_4 & E \\\\ 0 & I_3 \\end{pmatrix}, \\quad
        E = \\begin{pmatrix} I_3 \\\\ 0 \\end{pmatrix}, \\quad H = (I_4 \\; 0)

    and fixed diagonal :math:`Q`, :math:`R`, :math:`P_0`. Before each prediction a shrinking
    box whose area would reach zero (:math:`s + \\dot s \\le 0`) has its area velocity set to 0,
    as the reference code does. Differences from Deep SORT's filter: the noise does not grow
    with the box (1 px of centre noise for a 40 px and a 400 px box alike), the area is a
    quadratic quantity (a 10 % taller box is 21 % larger), and the aspect ratio gets a large
    measurement variance (10), so it follows the detections slowly. Agrees with
    ``filterpy.kalman.KalmanFilter`` configured with the same matrices to 1e-9 (the tests).

    References
    ----------
    A. Bewley, Z. Ge, L. Ott, F. Ramos, B. Upcroft, "Simple Online and Realtime Tracking",
    ICIP 2016, section 3.2 (the state), and its reference code (the noise values).
    Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> kf = SortKalmanFilter()
    >>> mean, cov = kf.initiate([100, 50, 800, 0.5])     # area 800 = 20 x 40
    >>> mean, cov = kf.predict(mean, cov)
    >>> float(cov[0, 0])                                 # 10 + 10,000 + 1: velocity unknown
    10011.0
    >>> mean, cov = kf.update(mean, cov, [104, 50, 800, 0.5])
    >>> round(float(mean[0]), 3), round(float(mean[4]), 3)   # trusts the detection: 10011 >> 1
    (104.0, 3.995)
    """

    process_var: tuple = (1.0, 1.0, 1.0, 1.0, 0.01, 0.01, 1e-4)
    measurement_var: tuple = (1.0, 1.0, 10.0, 10.0)
    initial_var: tuple = (10.0, 10.0, 10.0, 10.0, 1e4, 1e4, 1e4)

    dim = 7
    measurement_name = "xysr"

    def __post_init__(self) -> None:
        for name, n in (("process_var", 7), ("measurement_var", 4), ("initial_var", 7)):
            object.__setattr__(self, name, _variances(getattr(self, name), name, n))
        # The matrices never change: build them once (read-only, broadcast per call).
        for name, var in (("_Q", self.process_var), ("_R", self.measurement_var),
                          ("_P0", self.initial_var)):
            matrix = np.diag(var)
            matrix.flags.writeable = False
            object.__setattr__(self, name, matrix)

    def _process_noise(self, mean: np.ndarray) -> np.ndarray:
        """``Q``, (..., 7, 7): fixed, whatever the box (a read-only broadcast view)."""
        return np.broadcast_to(self._Q, np.shape(mean)[:-1] + (7, 7))

    def _measurement_noise(self, mean: np.ndarray) -> np.ndarray:
        """``R``, (..., 4, 4): fixed, whatever the box (a read-only broadcast view)."""
        return np.broadcast_to(self._R, np.shape(mean)[:-1] + (4, 4))

    def _initial_covariance(self, measurement: np.ndarray) -> np.ndarray:
        """``P_0``, (..., 7, 7): fixed (a new array, for the track to own)."""
        return np.broadcast_to(self._P0, np.shape(measurement)[:-1] + (7, 7)).copy()

    def _before_predict(self, mean: np.ndarray) -> np.ndarray:
        # A shrinking box must not reach zero area: stop its area velocity instead.
        shrinking = mean[..., 2] + mean[..., 6] <= 0
        if np.any(shrinking):
            mean = mean.copy()
            mean[..., 6] = np.where(shrinking, 0.0, mean[..., 6])
        return mean

    def box_to_measurement(self, boxes: Any) -> np.ndarray:
        """xyxy boxes (N, 4) to this filter's measurements, xysr (N, 4)."""
        return xyxy_to_xysr(boxes)

    def state_to_box(self, mean: Any) -> np.ndarray:
        """Means (N, 7) to xyxy boxes (N, 4); a non-positive area gives NaN (a dead track)."""
        mean = as_array(mean, "mean", ndim=2, kinds="iuf", allow_empty=True, shape_hint="(N, 7)")
        if mean.shape[1] != 7:
            raise ValueError(f"mean must have shape (N, 7); got {mean.shape}")
        z = mean[:, :4].astype(np.float64)
        bad = (z[:, 2] <= 0) | (z[:, 3] <= 0)
        out = xysr_to_xyxy(np.where(bad[:, None], 1.0, z))
        out[bad] = np.nan
        return out


def filter_sequence(
    kalman: KalmanBoxFilter | SortKalmanFilter, measurements: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run a filter over one object's measurements, frame by frame; NaN rows are missed frames.

    Parameters
    ----------
    kalman : KalmanBoxFilter or SortKalmanFilter
        The motion model (its noise settings).
    measurements : (T, 4) array_like
        One row per frame in the filter's measurement format (xyah or xysr): the object's
        detection, or a row of NaN where the detector missed it. At most :data:`MAX_SEQUENCE`.

    Returns
    -------
    predicted_mean : (T, dim) ndarray
        The prediction for each frame from the frames before it (NaN up to and including the
        first detection: there is nothing to predict from yet).
    predicted_cov : (T, dim, dim) ndarray
    filtered_mean : (T, dim) ndarray
        The state after each frame: the prediction corrected by that frame's detection, or the
        prediction alone on a missed frame (NaN before the first detection).
    filtered_cov : (T, dim, dim) ndarray

    Notes
    -----
    Frame :math:`t`: predict :math:`(\\hat x_t, \\hat P_t)` from :math:`(x_{t-1}, P_{t-1})`;
    if :math:`z_t` exists, update with it, else :math:`(x_t, P_t) = (\\hat x_t, \\hat P_t)`.
    The first detection starts the track (``initiate``). On missed frames the covariance only
    grows: the widget of chapter 20 shows the uncertainty opening up.

    References
    ----------
    Used in chapters/20_sort.ipynb (the Kalman explorer).

    Examples
    --------
    >>> z = np.array([[100, 50, 0.5, 40], [np.nan] * 4, [104, 50, 0.5, 40]])
    >>> pm, pc, fm, fc = filter_sequence(KalmanBoxFilter(), z)
    >>> bool(np.isnan(pm[0, 0])), float(fm[1, 0])     # frame 1 missed: prediction only
    (True, 100.0)
    >>> bool(pc[2, 0, 0] > pc[1, 0, 0] > fc[0, 0, 0])  # uncertainty grows while unobserved
    True
    """
    check_instance(kalman, "kalman", (KalmanBoxFilter, SortKalmanFilter),
                   "a KalmanBoxFilter or a SortKalmanFilter")
    z = as_array(measurements, "measurements", ndim=2, kinds="iuf", finite=False,
                 shape_hint="(T, 4)").astype(np.float64)
    if z.shape[1] != 4:
        raise ValueError(f"measurements must have shape (T, 4) (one box per frame); got {z.shape}")
    if len(z) > MAX_SEQUENCE:
        raise ValueError(f"measurements must have at most {MAX_SEQUENCE} frames; got {len(z)}")
    missed = np.isnan(z).all(axis=1)
    seen = z[~missed]
    if not np.isfinite(seen).all():
        raise ValueError("measurements must be finite, or a whole row of NaN for a missed frame; "
                         "got a partly NaN or infinite row")
    if len(seen):
        kalman._check_measurement(seen, "measurements")
    n, d = len(z), kalman.dim
    pred_m, pred_c = np.full((n, d), np.nan), np.full((n, d, d), np.nan)
    filt_m, filt_c = np.full((n, d), np.nan), np.full((n, d, d), np.nan)
    mean = cov = None
    for t in range(n):
        if mean is not None:
            mean, cov = kalman._predict(mean, cov)
            pred_m[t], pred_c[t] = mean, cov
        if not missed[t]:
            if mean is None:
                mean, cov = kalman.initiate(z[t])
            else:
                mean, cov = kalman._update(mean, cov, z[t])
        if mean is not None:
            filt_m[t], filt_c[t] = mean, cov
    return pred_m, pred_c, filt_m, filt_c
