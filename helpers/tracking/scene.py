"""The benchmark scene: people-like walkers, pillars, occlusion, rendered frames. Seeded, offline.

:func:`make_scene` simulates a fixed camera looking at a square (960 x 540 by default):

* about ``n_objects`` walkers alive at once, in both directions; each enters at the left or
  right edge (the first ones start inside), walks with a preferred velocity plus noise,
  sometimes changes its mind (slows down, speeds up or turns back), and leaves when it is out of
  view. Size follows a simple perspective: the lower a walker's feet, the taller its box (70 px
  at the horizon to 150 px at the bottom), aspect ``w / h`` in [0.35, 0.5];
* four static pillars (40-60 px wide) stand in front of everybody. Walking past one takes a
  walker out of sight for about 10-30 frames - longer than a constant-velocity prediction can be
  trusted in a crowd, shorter than Deep SORT's patience (``max_age = 30``) - and walkers in
  opposite directions often cross behind the same pillar. While hidden a walker changes its mind
  three times as often (3 % per frame instead of 1 %): what it does out of sight is exactly
  what a motion model cannot know, and what appearance can recover from;
* walkers occlude each other by depth (the one whose feet are lower is nearer);
* ``visibility`` (MOTChallenge's column 9) is the fraction of a walker's box that is seen:
  not covered by nearer walkers or pillars, and inside the image.

:func:`render_frame` draws a frame: each walker is a sprite (head, textured shirt, trousers,
two leg poses) on a background made from the bundled real photographs (scikit-image's brick and
gravel textures); shirt textures are patches of real photos. About one walker in five copies the
look of another one with slightly different colours: the look-alikes that make appearance
matching hard.

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb (and by the benchmark).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from .._validation import as_array, check_float, check_instance, check_int, check_rng

__all__ = [
    "CHANGE_OF_MIND",
    "MAX_FRAMES",
    "MAX_OBJECTS",
    "MAX_SIDE",
    "PILLAR_WIDTH",
    "TURN_BACK",
    "WALK_SPEED",
    "Scene",
    "frame_offsets",
    "make_scene",
    "render_frame",
]

#: Template size of a sprite (height, width at aspect 0.5); sprites are resampled to each box.
_SPRITE_H, _SPRITE_W = 96, 48
#: Preferred walking speed, px/frame for a walker 110 px tall (scaled with its size).
WALK_SPEED = (1.8, 3.4)
#: Pillar width, px in a 960 px wide image (scaled with the width).
PILLAR_WIDTH = (40.0, 60.0)
#: Chance per frame that a walker changes its mind, in the open and hidden behind a pillar.
CHANGE_OF_MIND = (0.01, 0.03)
#: After a change of mind: chance to turn back (else keep the direction at a new speed).
TURN_BACK = 0.3
#: Largest image side, frames, and walkers at once that make_scene accepts.
MAX_SIDE = 2048
MAX_FRAMES = 5000
MAX_OBJECTS = 100
_TEXTURE_PHOTOS = ("coffee", "astronaut", "chelsea", "rocket", "grass", "gravel", "brick", "coins")


def frame_offsets(frames: np.ndarray, n_frames: int) -> np.ndarray:
    """Start index of each frame's rows in a frame-sorted table, plus the end: (n_frames + 1,).

    Parameters
    ----------
    frames : (R,) array_like of int, sorted
        The frame of each row of a table (ground truth, detections).
    n_frames : int in [1, 5000]

    Examples
    --------
    >>> frame_offsets([0, 0, 2], 3).tolist()     # frame 1 is empty
    [0, 2, 2, 3]
    """
    frames = as_array(frames, "frames", ndim=1, kinds="iu", allow_empty=True, shape_hint="(R,)")
    n_frames = check_int(n_frames, "n_frames", min=1, max=MAX_FRAMES)
    if len(frames) and np.any(np.diff(frames) < 0):
        raise ValueError("frames must be sorted (a frame-sorted table); got an unsorted array")
    return np.searchsorted(frames, np.arange(n_frames + 1), side="left")


@dataclass
class Scene:
    """A simulated sequence: ground truth, appearance and everything needed to render it.

    Ground-truth rows are sorted by frame, then id. Frames are 0-based here and 1-based in the
    MOTChallenge files (:mod:`helpers.tracking.mot_io`).

    Attributes
    ----------
    seed, width, height, n_frames : int
    frames : (R,) ndarray of int64
    ids : (R,) ndarray of int64
        Walker identity, from 1.
    boxes : (R, 4) ndarray of float64, xyxy (may extend past the image border)
    visibility : (R,) ndarray of float64 in [0, 1]
    pillars : (P, 4) ndarray of float64, xyxy
    colors : (K + 1, 4, 3) ndarray of uint8
        Per identity (row 0 unused): shirt, trousers, head, stripe colour.
    patterns : (K + 1,) ndarray of int64
        0 plain, 1 horizontal stripes, 2 photo texture.
    textures : (K + 1, 48, 24, 3) ndarray of uint8
        The photo patch printed on the shirt.
    aspects : (K + 1,) ndarray of float64
    lookalike_of : (K + 1,) ndarray of int64
        The identity a walker copies (0 = none).
    """

    seed: int
    width: int
    height: int
    n_frames: int
    frames: np.ndarray
    ids: np.ndarray
    boxes: np.ndarray
    visibility: np.ndarray
    pillars: np.ndarray
    colors: np.ndarray
    patterns: np.ndarray
    textures: np.ndarray
    aspects: np.ndarray
    lookalike_of: np.ndarray
    _offsets: np.ndarray = field(repr=False, default=None, init=False)
    _sprites: dict = field(repr=False, default_factory=dict, compare=False, init=False)

    def __post_init__(self) -> None:
        # Normally built by make_scene(); checked anyway, so a hand-made one fails clearly.
        self.seed = check_int(self.seed, "seed", min=0)
        self.width = check_int(self.width, "width", min=160, max=MAX_SIDE)
        self.height = check_int(self.height, "height", min=120, max=MAX_SIDE)
        self.n_frames = check_int(self.n_frames, "n_frames", min=1, max=MAX_FRAMES)
        self.ids = as_array(self.ids, "ids", ndim=1, kinds="iu", allow_empty=True)
        self.boxes = as_array(self.boxes, "boxes", ndim=2, kinds="iuf", allow_empty=True,
                              shape_hint="(R, 4)")
        self.visibility = as_array(self.visibility, "visibility", ndim=1, kinds="iuf",
                                   allow_empty=True)
        if not len(self.ids) == len(self.boxes) == len(self.visibility) == len(self.frames):
            raise ValueError("frames, ids, boxes and visibility must have one row per box")
        self._offsets = frame_offsets(self.frames, self.n_frames)

    @property
    def n_identities(self) -> int:
        return len(self.aspects) - 1

    @property
    def horizon(self) -> float:
        """Image row of the horizon (walkers' feet are always below it)."""
        return 0.42 * self.height

    def walker_height(self, foot_y: float) -> float:
        """Box height in pixels of a walker whose feet are at image row ``foot_y`` (perspective).

        Examples
        --------
        >>> scene = make_scene(0, n_frames=2)
        >>> scene.walker_height(scene.height)     # at the bottom edge
        150.0
        """
        foot_y = check_float(foot_y, "foot_y", min=self.horizon, max=self.height)
        return float(_height_at(foot_y, self.horizon, self.height))

    def at(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ground truth of frame ``t``: ``(ids (n,), boxes (n, 4) xyxy, visibility (n,))``."""
        t = check_int(t, "t", min=0, max=self.n_frames - 1)
        s = slice(self._offsets[t], self._offsets[t + 1])
        return self.ids[s], self.boxes[s], self.visibility[s]


def _height_at(foot_y: np.ndarray | float, horizon: float, height: int) -> np.ndarray:
    # Perspective: 70 px tall at the horizon, 150 px at the bottom edge.
    return 70.0 + 80.0 * (np.asarray(foot_y, float) - horizon) / (height - horizon)


def make_scene(
    seed: int,
    *,
    n_frames: int = 300,
    n_objects: int = 20,
    width: int = 960,
    height: int = 540,
    n_pillars: int = 4,
    lookalike_rate: float = 0.2,
) -> Scene:
    """Simulate a crowd of walkers in front of a fixed camera.

    Parameters
    ----------
    seed : int >= 0
        Everything (motion, appearance, pillars) follows from it.
    n_frames : int in [1, 5000]
        Sequence length (the benchmark uses 500; notebooks show 100-200).
    n_objects : int in [1, 100]
        How many walkers are kept alive at once (on average).
    width, height : int in [160, 2048] and [120, 2048]
        Image size in pixels.
    n_pillars : int in [0, 10]
        Static occluders.
    lookalike_rate : float in [0, 1]
        Probability that a new walker copies the look of a living one.

    Returns
    -------
    Scene

    Notes
    -----
    Each walker's velocity follows :math:`v_{t+1} = v_t + 0.1 (v^* - v_t) + \\epsilon_t`,
    :math:`\\epsilon_t \\sim \\mathcal N(0, 0.08^2)` per axis, with a preferred velocity
    :math:`v^*` (horizontal speed :data:`WALK_SPEED`, 1.8-3.4 px/frame, times the walker's
    scale ``h / 110``) that is redrawn with probability :data:`CHANGE_OF_MIND` per frame, 1 % in
    the open and 3 % behind a pillar (a new speed from 1.4 to 3.4, turning back in
    :data:`TURN_BACK` = 30 % of the cases). This is what a constant-velocity Kalman filter
    tracks well most of the time, and not always: not behind a pillar.

    Examples
    --------
    >>> scene = make_scene(0, n_frames=20)
    >>> ids, boxes, vis = scene.at(0)
    >>> len(ids) >= 15, boxes.shape[1], bool((vis >= 0).all() and (vis <= 1).all())
    (True, 4, True)
    """
    rng = check_rng(seed, "seed")
    seed = int(seed)
    n_frames = check_int(n_frames, "n_frames", min=1, max=MAX_FRAMES)
    n_objects = check_int(n_objects, "n_objects", min=1, max=MAX_OBJECTS)
    width = check_int(width, "width", min=160, max=MAX_SIDE)
    height = check_int(height, "height", min=120, max=MAX_SIDE)
    n_pillars = check_int(n_pillars, "n_pillars", min=0, max=10)
    lookalike_rate = check_float(lookalike_rate, "lookalike_rate", min=0, max=1)
    horizon = 0.42 * height

    # Pillars: evenly spread, jittered, full height, 40-60 px wide (scaled with the image).
    scale = width / 960
    pillars = np.zeros((n_pillars, 4))
    for k in range(n_pillars):
        cx = (k + 1) / (n_pillars + 1) * width + rng.uniform(-0.06, 0.06) * width
        w = rng.uniform(*PILLAR_WIDTH) * scale
        pillars[k] = [cx - w / 2, 0, cx + w / 2, height]

    # Walker state, one row per identity ever created (index 0 unused so ids start at 1).
    pos, vel, pref, aspect, alive_ids = [], [], [], [], []
    colors, patterns, textures, lookalike = [], [], [], []
    photos = _texture_photos()

    def new_walker(inside: bool) -> None:
        foot_y = rng.uniform(horizon + 10, height - 5)
        s = _height_at(foot_y, horizon, height) / 110.0
        direction = rng.choice([-1.0, 1.0])
        speed = rng.uniform(*WALK_SPEED) * s
        a = rng.uniform(0.35, 0.5)
        w = a * _height_at(foot_y, horizon, height)
        if inside:
            x = rng.uniform(0, width)
        else:  # enter at the edge the walker is heading away from
            x = -w / 2 if direction > 0 else width + w / 2
        pos.append([x, foot_y])
        pref.append([direction * speed, rng.normal(0, 0.15)])
        vel.append(list(pref[-1]))
        aspect.append(a)
        living = [i for i in alive_ids]
        if living and rng.random() < lookalike_rate:
            src = int(rng.choice(living))
            col = np.clip(colors[src - 1].astype(int) + rng.normal(0, 10, (4, 3)), 0, 255)
            colors.append(col.astype(np.uint8))
            patterns.append(patterns[src - 1])
            textures.append(textures[src - 1])
            lookalike.append(src)
        else:
            colors.append(rng.integers(20, 236, (4, 3)).astype(np.uint8))
            patterns.append(int(rng.integers(0, 3)))
            photo = photos[int(rng.integers(len(photos)))]
            y0 = int(rng.integers(0, photo.shape[0] - 96))
            x0 = int(rng.integers(0, photo.shape[1] - 48))
            textures.append(photo[y0:y0 + 96:2, x0:x0 + 48:2].copy())
            lookalike.append(0)
        alive_ids.append(len(pos))

    for _ in range(n_objects):
        new_walker(inside=True)

    rows_f, rows_id, rows_box = [], [], []
    for t in range(n_frames):
        # Births keep the crowd near n_objects.
        if len(alive_ids) < n_objects and rng.random() < 0.35:
            new_walker(inside=False)
        still = []
        for i in alive_ids:
            p, v, vp = pos[i - 1], vel[i - 1], pref[i - 1]
            hidden = any(x0 <= p[0] <= x1 for x0, _, x1, _ in pillars)
            if rng.random() < CHANGE_OF_MIND[hidden]:  # slow down, speed up or turn back
                s = _height_at(p[1], horizon, height) / 110.0
                turn = -1.0 if rng.random() < TURN_BACK else 1.0
                vp[0] = turn * np.sign(vp[0] or 1) * rng.uniform(WALK_SPEED[0] - 0.4,
                                                                  WALK_SPEED[1]) * s
                vp[1] = rng.normal(0, 0.15)
            for k in range(2):
                v[k] += 0.1 * (vp[k] - v[k]) + rng.normal(0, 0.08)
            p[0] += v[0]
            p[1] = float(np.clip(p[1] + v[1], horizon + 5, height - 2))
            h = _height_at(p[1], horizon, height)
            w = aspect[i - 1] * h
            box = [p[0] - w / 2, p[1] - h, p[0] + w / 2, p[1]]
            if box[2] < 0 or box[0] > width:
                continue  # out of view: gone for good
            still.append(i)
            rows_f.append(t)
            rows_id.append(i)
            rows_box.append(box)
        alive_ids[:] = still

    frames = np.array(rows_f, np.int64)
    ids = np.array(rows_id, np.int64)
    boxes = np.array(rows_box, np.float64).reshape(-1, 4)
    offsets = frame_offsets(frames, n_frames)
    visibility = np.zeros(len(ids))
    for t in range(n_frames):
        s = slice(offsets[t], offsets[t + 1])
        visibility[s] = _visibility(boxes[s], pillars, width, height)

    k = len(pos)
    pad_col = np.zeros((1, 4, 3), np.uint8)
    return Scene(
        seed=seed, width=width, height=height, n_frames=n_frames,
        frames=frames, ids=ids, boxes=boxes, visibility=visibility, pillars=pillars,
        colors=np.concatenate([pad_col, np.array(colors, np.uint8).reshape(k, 4, 3)]),
        patterns=np.array([0] + patterns, np.int64),
        textures=np.concatenate([np.zeros((1, 48, 24, 3), np.uint8),
                                 np.array(textures, np.uint8).reshape(k, 48, 24, 3)]),
        aspects=np.array([0.0] + aspect),
        lookalike_of=np.array([0] + lookalike, np.int64),
    )


def _visibility(boxes: np.ndarray, pillars: np.ndarray, width: int, height: int) -> np.ndarray:
    """Seen fraction of each box: paint far-to-near, then pillars, on a half-resolution id map."""
    f = 0.5
    W, H = int(width * f), int(height * f)
    label = np.full((H, W), -1, np.int64)
    order = np.argsort(boxes[:, 3], kind="stable")  # lower feet = nearer = painted later
    ib = np.round(boxes * f).astype(int)
    for j in order:
        x0, y0, x1, y1 = ib[j]
        label[max(y0, 0):max(min(y1, H), 0), max(x0, 0):max(min(x1, W), 0)] = j
    for x0, y0, x1, y1 in np.round(pillars * f).astype(int):
        label[max(y0, 0):min(y1, H), max(x0, 0):min(x1, W)] = -2
    seen = np.bincount(label[label >= 0], minlength=len(boxes))
    full = np.maximum((ib[:, 2] - ib[:, 0]) * (ib[:, 3] - ib[:, 1]), 1)
    return np.clip(seen / full, 0.0, 1.0)


@cache
def _texture_photos() -> tuple[np.ndarray, ...]:
    from ..data import load_photo

    out = []
    for name in _TEXTURE_PHOTOS:
        img = load_photo(name)
        out.append(np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img)
    return tuple(out)


@cache
def _background(width: int, height: int) -> np.ndarray:
    """Brick wall above the horizon, gravel floor below, from scikit-image's real textures."""
    from ..data import load_photo

    horizon = int(0.42 * height)
    rows = np.arange(height)
    cols = np.arange(width)
    brick, gravel = load_photo("brick").astype(np.float32), load_photo("gravel").astype(np.float32)
    wall = brick[(rows[:horizon, None] * 512 // max(horizon, 1)) % 512,
                 (cols[None] * 512 // 600) % 512]
    floor = gravel[(rows[horizon:, None] - horizon) % 512, cols[None] % 512]
    bg = np.zeros((height, width, 3), np.float32)
    bg[:horizon] = wall[..., None] * np.array([0.85, 0.55, 0.45], np.float32)
    bg[horizon:] = floor[..., None] * np.array([0.55, 0.55, 0.5], np.float32) + 30
    return np.clip(bg, 0, 255).astype(np.uint8)


@cache
def _pillar_texture(height: int) -> np.ndarray:
    from ..data import load_photo

    moon = load_photo("moon").astype(np.float32)
    tex = moon[(np.arange(height) * 512 // height)[:, None], np.arange(128)[None] * 2]
    return np.clip(tex[..., None] * np.array([0.75, 0.78, 0.8]) + 40, 0, 255).astype(np.uint8)


@cache
def _sprite_masks() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Part labels of the two walking poses: 0 none, 1 head, 2 shirt, 3 trousers; (2, H, W)."""
    H, W = _SPRITE_H, _SPRITE_W
    yy, xx = np.mgrid[0:H, 0:W] + 0.5
    poses = np.zeros((2, H, W), np.uint8)
    for k, spread in enumerate((0.06, 0.16)):
        m = poses[k]
        head = ((xx - W / 2) / (0.17 * W)) ** 2 + ((yy - 0.1 * H) / (0.09 * H)) ** 2 <= 1
        torso = (yy >= 0.18 * H) & (yy < 0.58 * H) & (
            np.abs(xx - W / 2) <= 0.42 * W - (yy < 0.24 * H) * 4
        )
        leg_l = (yy >= 0.58 * H) & (
            np.abs(xx - W / 2 + (0.14 + spread * (yy / H - 0.58) * 2) * W) <= 0.12 * W
        )
        leg_r = (yy >= 0.58 * H) & (
            np.abs(xx - W / 2 - (0.14 + spread * (yy / H - 0.58) * 2) * W) <= 0.12 * W
        )
        m[torso] = 2
        m[leg_l | leg_r] = 3
        m[head] = 1
    stripes = ((yy // 6) % 2 == 0)
    return poses, stripes, yy


def _sprite(scene: Scene, identity: int, pose: int) -> tuple[np.ndarray, np.ndarray]:
    """RGB template (H, W, 3) uint8 and mask (H, W) bool of one walker in one pose."""
    poses, stripes, _ = _sprite_masks()
    part = poses[pose]
    shirt, trousers, head, stripe = scene.colors[identity].astype(np.float32)
    img = np.zeros((_SPRITE_H, _SPRITE_W, 3), np.float32)
    img[part == 1] = head
    img[part == 3] = trousers
    torso = part == 2
    pattern = scene.patterns[identity]
    if pattern == 1:
        img[torso & stripes] = stripe
        img[torso & ~stripes] = shirt
    elif pattern == 2:
        tex = scene.textures[identity].astype(np.float32)
        tex = np.repeat(np.repeat(tex, 2, axis=0), 2, axis=1)  # (96, 48, 3)
        img[torso] = 0.5 * tex[torso] + 0.5 * shirt
    else:
        img[torso] = shirt
    return img.astype(np.uint8), part > 0


def render_frame(scene: Scene, t: int) -> np.ndarray:
    """Draw frame ``t`` of a scene: (height, width, 3) uint8 RGB.

    Walkers are drawn far to near (so nearer ones cover farther ones), then the pillars. A
    walker's brightness varies with its position (a soft light from the left), so its
    appearance changes as it crosses the square. Sprites are resampled to each box by nearest
    neighbour.

    Examples
    --------
    >>> scene = make_scene(1, n_frames=2, width=320, height=180, n_objects=3)
    >>> render_frame(scene, 0).shape
    (180, 320, 3)
    """
    check_instance(scene, "scene", Scene, "a Scene from make_scene()")
    ids, boxes, _ = scene.at(t)
    frame = _background(scene.width, scene.height).copy()
    H, W = scene.height, scene.width
    for j in np.argsort(boxes[:, 3], kind="stable"):
        x0, y0, x1, y1 = boxes[j]
        bw, bh = x1 - x0, y1 - y0
        cx0, cy0 = max(int(np.floor(x0)), 0), max(int(np.floor(y0)), 0)
        cx1, cy1 = min(int(np.ceil(x1)), W), min(int(np.ceil(y1)), H)
        if cx1 <= cx0 or cy1 <= cy0:
            continue
        pose = int((x0 // 12) % 2)  # the legs alternate as the walker moves
        key = (int(ids[j]), pose)
        if key not in scene._sprites:  # each walker's two poses are drawn once per scene
            scene._sprites[key] = _sprite(scene, *key)
        sprite, mask = scene._sprites[key]
        ry = np.clip(((np.arange(cy0, cy1) + 0.5 - y0) / bh * _SPRITE_H).astype(int),
                     0, _SPRITE_H - 1)
        rx = np.clip(((np.arange(cx0, cx1) + 0.5 - x0) / bw * _SPRITE_W).astype(int),
                     0, _SPRITE_W - 1)
        m = mask[ry][:, rx]
        light = 0.75 + 0.35 * (1 - (x0 + x1) / 2 / W)
        patch = np.clip(sprite[ry][:, rx].astype(np.float32) * light, 0, 255).astype(np.uint8)
        region = frame[cy0:cy1, cx0:cx1]
        region[m] = patch[m]
    tex = _pillar_texture(H)
    for x0, y0, x1, y1 in scene.pillars:
        a, b = max(int(x0), 0), min(int(x1), W)
        if b > a:
            frame[int(y0):int(y1), a:b] = tex[int(y0):int(y1), : b - a]
    return frame
