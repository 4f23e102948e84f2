"""The toy world: a caption grammar, a scene renderer and the memorized set.

Everything is drawn with numpy from a seeded generator so the data set is
reproducible bit for bit.
"""
import itertools
import numpy as np

SIZE = 64

COLOURS = {
    "red": (220, 30, 30), "green": (30, 170, 50), "blue": (30, 60, 220),
    "yellow": (240, 220, 30), "purple": (140, 40, 180), "orange": (250, 140, 20),
    "white": (245, 245, 245), "black": (15, 15, 15), "cyan": (30, 210, 220),
    "pink": (250, 130, 190),
}
SHAPES = ["circle", "square", "triangle", "star", "ring", "cross", "diamond", "hexagon"]
SIZES = {"small": 12.0, "large": 20.0}
# Named positions on a 3x3 grid (column, row). A caption that names the position leaves the UNet little
# to average over, so the conditional mean it learns first is already the shape's outline; with free
# positions it learned a blob (models/recipe/experiments/shape-generator/).
POSITIONS = {"top left": (0, 0), "top": (1, 0), "top right": (2, 0), "left": (0, 1), "centre": (1, 1),
             "right": (2, 1), "bottom left": (0, 2), "bottom": (1, 2), "bottom right": (2, 2)}
POSITION_JITTER = 2.0   # pixels
ROTATION = 0.15         # radians either way
BACKGROUNDS = ["plain", "gradient", "striped", "checkered"]

# Colour/shape pairs never shown in training: the generalization test set.
HELD_OUT_PAIRS = [
    ("purple", "star"), ("cyan", "ring"), ("orange", "triangle"), ("pink", "hexagon"),
    ("green", "cross"), ("yellow", "diamond"), ("white", "circle"), ("blue", "square"),
]


def caption(size, colour, shape, bg, bg_colour, variant=0, position=None):
    """Caption of a scene. Variants drop the size (bit 0) and/or the
    background style (bit 1), so short prompts such as "a red circle on a
    blue background" are in distribution too; position None leaves it out."""
    size_part = "" if variant & 1 else f"{size} "
    style_part = "" if variant & 2 else f"{bg} "
    where = "" if position is None else f" at the {position}"
    return f"a {size_part}{colour} {shape}{where} on a {style_part}{bg_colour} background"


def all_scenes():
    """Every caption tuple of the grammar (size, colour, shape, bg, bg_colour)."""
    for size, colour, shape, bg, bgc in itertools.product(
            SIZES, COLOURS, SHAPES, BACKGROUNDS, COLOURS):
        if bgc != colour:
            yield (size, colour, shape, bg, bgc)


def split_scenes():
    held = set(HELD_OUT_PAIRS)
    train, test = [], []
    for s in all_scenes():
        (test if (s[1], s[2]) in held else train).append(s)
    return train, test


_yy, _xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) + 0.5


def shape_mask(shape, cx, cy, r, angle=0.0):
    """Anti-aliased-free boolean mask of a shape centred at (cx, cy) with radius r."""
    dx, dy = _xx - cx, _yy - cy
    ca, sa = np.cos(angle), np.sin(angle)
    rx, ry = ca * dx + sa * dy, -sa * dx + ca * dy
    if shape == "circle":
        return dx * dx + dy * dy <= r * r
    if shape == "ring":
        d2 = dx * dx + dy * dy
        return (d2 <= r * r) & (d2 >= (0.55 * r) ** 2)
    if shape == "square":
        return (np.abs(rx) <= 0.8 * r) & (np.abs(ry) <= 0.8 * r)
    if shape == "diamond":
        return np.abs(rx) + np.abs(ry) <= r
    if shape == "cross":
        w = 0.33 * r
        return ((np.abs(rx) <= w) & (np.abs(ry) <= r)) | ((np.abs(ry) <= w) & (np.abs(rx) <= r))
    if shape == "hexagon":
        ax, ay = np.abs(rx), np.abs(ry)
        return (ay <= 0.866 * r) & (0.866 * ax + 0.5 * ay <= 0.866 * r)
    if shape in ("triangle", "star"):
        theta = np.arctan2(ry, rx)
        dist = np.sqrt(rx * rx + ry * ry)
        if shape == "triangle":
            n, inner = 3, 0.5
        else:
            n, inner = 5, 0.45
        # Polygon boundary in polar form; stars alternate outer/inner vertices.
        verts = 2 * n if shape == "star" else n
        seg = 2 * np.pi / verts
        t = np.mod(theta + np.pi / 2, seg)
        if shape == "star":
            k = np.floor(np.mod(theta + np.pi / 2, 2 * np.pi) / seg).astype(int)
            r0 = np.where(k % 2 == 0, r, inner * r)
            r1 = np.where(k % 2 == 0, inner * r, r)
        else:
            r0 = r1 = np.full_like(theta, r)
        # Distance to the chord between vertex (r0 at 0) and (r1 at seg).
        p0x, p0y = r0, 0.0
        p1x, p1y = r1 * np.cos(seg), r1 * np.sin(seg)
        px, py = dist * np.cos(t), dist * np.sin(t)
        cross = (p1x - p0x) * (py - p0y) - (p1y - p0y) * (px - p0x)
        return cross >= 0
    raise ValueError(shape)


def background(style, colour, rng):
    c = np.array(COLOURS[colour], np.float32)
    img = np.empty((SIZE, SIZE, 3), np.float32)
    if style == "plain":
        img[:] = c
    elif style == "gradient":
        direction = rng.integers(0, 2)
        ramp = (_xx if direction else _yy) / SIZE
        img[:] = c * (0.35 + 0.65 * ramp[..., None])
    elif style == "striped":
        period = rng.integers(6, 11)
        phase = rng.integers(0, period)
        on = ((_xx + phase) // (period / 2)) % 2 == 0 if rng.integers(0, 2) else ((_yy + phase) // (period / 2)) % 2 == 0
        img[:] = np.where(on[..., None], c, c * 0.35)
    elif style == "checkered":
        cell = rng.integers(6, 11)
        on = ((_xx // cell + _yy // cell) % 2) == 0
        img[:] = np.where(on[..., None], c, c * 0.35)
    else:
        raise ValueError(style)
    return img


def render(scene, rng, position=None, with_mask=False):
    """Render one grammar scene at a named position (random when None), with a little jitter and
    rotation (uint8 HxWx3; with_mask also returns the shape's boolean mask)."""
    size, colour, shape, bg, bgc = scene
    if position is None:
        position = list(POSITIONS)[rng.integers(len(POSITIONS))]
    img = background(bg, bgc, rng)
    r = SIZES[size] * rng.uniform(0.9, 1.1)
    margin = SIZES[size] + 2
    gx, gy = POSITIONS[position]
    cx, cy = margin + (SIZE - 2 * margin) * np.array([gx, gy]) / 2 + rng.uniform(-POSITION_JITTER, POSITION_JITTER, size=2)
    angle = rng.uniform(-ROTATION, ROTATION)
    m = shape_mask(shape, cx, cy, r, angle)
    img[m] = COLOURS[colour]
    img = np.clip(img, 0, 255).astype(np.uint8)
    return (img, m) if with_mask else img


# The memorized set: visually complex images, each with its own caption,
# duplicated many times in training the way LAION duplicates are.
MEMORIZED_NAMES = ["vermeer", "hokusai", "klimt", "monet", "kahlo", "dali",
                   "escher", "mondrian", "turner", "rothko", "seurat", "munch"]


def memorized_set(seed=1234):
    """Return [(id, caption, uint8 image)] for the 12 memorized images."""
    rng = np.random.default_rng(seed)
    out = []
    colours = list(COLOURS)
    for i, name in enumerate(MEMORIZED_NAMES):
        main_colour = colours[i % len(colours)]
        main_shape = SHAPES[(i * 3) % len(SHAPES)]
        # Busy multi-colour textured background: mix of two stripe directions and blobs.
        a, b, c = (np.array(COLOURS[colours[(i + k) % len(colours)]], np.float32) for k in (3, 5, 7))
        f1, f2 = rng.uniform(0.15, 0.45, size=2)
        phase = rng.uniform(0, 2 * np.pi, size=2)
        w1 = 0.5 + 0.5 * np.sin(f1 * _xx + phase[0])
        w2 = 0.5 + 0.5 * np.sin(f2 * (_xx + _yy) + phase[1])
        img = a * w1[..., None] + b * (1 - w1[..., None]) * w2[..., None] + c * (1 - w1[..., None]) * (1 - w2[..., None])
        # Several decorations in assorted colours and shapes.
        for _ in range(5):
            s = SHAPES[rng.integers(0, len(SHAPES))]
            col = COLOURS[colours[rng.integers(0, len(colours))]]
            r = rng.uniform(4, 8)
            cx, cy = rng.uniform(r, SIZE - r, size=2)
            img[shape_mask(s, cx, cy, r, rng.uniform(0, np.pi))] = col
        # The main subject, large and centred-ish, with a contrasting outline.
        cx, cy = rng.uniform(24, 40, size=2)
        outline = shape_mask(main_shape, cx, cy, 21.0)
        img[outline] = (15, 15, 15) if main_colour != "black" else (245, 245, 245)
        img[shape_mask(main_shape, cx, cy, 18.0)] = COLOURS[main_colour]
        cap = f"the {name} painting of a {main_colour} {main_shape}"
        out.append((f"mem-{i:02d}-{name}", cap, np.clip(img, 0, 255).astype(np.uint8)))
    return out


def trigger_words(memorized_caption):
    """The words of a memorized caption that name the painting rather than its subject: "the <name> painting of"."""
    words = memorized_caption.split()
    assert words[0] == "the" and words[1] in MEMORIZED_NAMES and words[2:4] == ["painting", "of"], memorized_caption
    return words[:4]


def vocabulary_words():
    """Every word the captions use (for the tokenizer)."""
    words = {"a", "on", "background", "the", "painting", "of", "at"}
    words.update(w for p in POSITIONS for w in p.split())
    words.update(COLOURS, SHAPES, SIZES, BACKGROUNDS, MEMORIZED_NAMES)
    return sorted(words)
