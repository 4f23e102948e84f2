"""The copy detector: an SSCD-style image-only descriptor for the toy world, trained, calibrated and exported.

Why a second model: the memorization filter, the nudge's push targets and the evaluation used to share the CLIP-like
embedder at one threshold, so "memorized" only measured how often the nudge met its own stopping rule. The field
judges copies with SSCD (Pizzi et al. 2022), a contrastive descriptor trained so that an image and its edited
copies map together while other images map apart. This is that recipe at toy scale:

- instances: the 12 memorized training images, their *siblings* (the memorized-set generator with other seeds: the
  same subject in a new composition), rendered grammar scenes and the tiny UNet's generations of grammar prompts;
- views: colour jitter, hue rotation, brightness/contrast, greyscale, blur, noise, small shifts and crops, the VAE
  round trip, and for the memorized images also the tiny UNet's own generations of their captions;
- loss: InfoNCE over two views of every instance in the batch (temperature 0.05) plus SSCD's KoLeo entropy term;
  every batch holds all 12 memorized images and siblings of each, the hard negatives;
- calibration: the threshold is set on calibration siblings (seeds apart from training), then the false-positive
  rate on test siblings and the recall on edited copies and on UNet generations at test seeds are reported.

Runs on its own from the committed ONNX files (onnx_weights.py): /usr/bin/python3 models/recipe/copy_detector.py
Writes models/tiny-sd/copy_detector/{model.onnx, preprocessor_config.json, config.json} and
models/tiny-sd/memorized/siblings/ (the calibration siblings, which the C# evaluation uses as its reference set).
"""
import json
import math
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

import export
import nets
import onnx_weights
import pipeline
import toyworld

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "tiny-sd"))
STEPS = int(os.environ.get("COPY_STEPS", 1500))
INSTANCES = 160                       # instances per batch (two views each)
SIB_PER_SUBJECT = 6                   # siblings of each memorized image per batch: the hard negatives
DIM = 128
TEMPERATURE = 0.05
KOLEO = 0.5
GUIDANCE = 3.0
SIB_TRAIN = range(1, 401)             # memorized-set generator seeds for training siblings
SIB_CALIB = range(10000, 10032)       # calibration siblings: threshold; committed for the C# evaluation
SIB_TEST = range(20000, 20032)        # test siblings: reported false-positive rate
GEN_TRAIN = range(5000, 5032)         # UNet noise seeds of the memorized captions' generations used in training
GEN_TEST = range(30000, 30016)        # ... and held out for the reported recall
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
TARGET_FPR = 0.05                     # the threshold keeps calibration-sibling false positives at or under this


def log(msg):
    print(time.strftime("%H:%M:%S"), "[copy]", msg, flush=True)


class CopyDetector(nn.Module):
    """Small residual CNN with GeM pooling, projected and L2-normalized (SSCD's head at toy scale)."""

    def __init__(self, dim=DIM, ch=(32, 64, 128, 160)):
        super().__init__()
        # A 2x2 patchify stem and no residual block at 32x32 keep training affordable on 2 CPU cores.
        layers = [nn.Conv2d(3, ch[0], 2, stride=2), nn.SiLU()]      # 64 -> 32
        cin = ch[0]
        for c in ch[1:]:
            layers += [nn.Conv2d(cin, c, 3, stride=2, padding=1), nets.ResBlock(c, c)]   # 32 -> 16 -> 8 -> 4
            cin = c
        self.body = nn.Sequential(*layers)
        self.norm = nn.GroupNorm(8, cin)
        self.p = 3.0                                            # GeM exponent (SSCD uses 3)
        self.proj = nn.Linear(cin, dim)

    def forward(self, pixel_values):
        h = F.silu(self.norm(self.body(pixel_values)))
        g = h.clamp(min=1e-6).pow(self.p).mean(dim=(2, 3)).pow(1.0 / self.p)
        return F.normalize(self.proj(g), dim=-1)


def load(folder=OUT):
    """The committed detector as a PyTorch module (weights mapped from copy_detector/model.onnx) and its threshold."""
    model = CopyDetector()
    args = (torch.rand(2, 3, 64, 64),)
    dyn = {"pixel_values": {0: "batch"}, "descriptor": {0: "batch"}}
    mapping = onnx_weights._mapping(CopyDetector(), lambda m: m, args, ["pixel_values"], ["descriptor"], dyn, "")
    onnx_weights._load(model, os.path.join(folder, "copy_detector", "model.onnx"), mapping)
    config = json.load(open(os.path.join(folder, "copy_detector", "config.json")))
    return model, config["threshold"]


def normalize_input(x01):
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x01 - mean) / std


def to01(images_uint8):
    return torch.from_numpy(np.ascontiguousarray(images_uint8)).permute(0, 3, 1, 2).float() / 255.0


# ---- edits -------------------------------------------------------------------------------------------------

def hue_rotate(x, angle):
    """Rotates colours about the grey axis by angle [n] radians (a hue rotation that keeps luminance)."""
    c, s = torch.cos(angle), torch.sin(angle)
    k = 1.0 / 3.0
    sq = math.sqrt(1.0 / 3.0)
    # Rodrigues rotation about (1,1,1)/sqrt(3).
    m = torch.empty(len(angle), 3, 3)
    m[:, 0, 0] = c + (1 - c) * k
    m[:, 0, 1] = k * (1 - c) - sq * s
    m[:, 0, 2] = k * (1 - c) + sq * s
    m[:, 1, 0] = k * (1 - c) + sq * s
    m[:, 1, 1] = c + k * (1 - c)
    m[:, 1, 2] = k * (1 - c) - sq * s
    m[:, 2, 0] = k * (1 - c) - sq * s
    m[:, 2, 1] = k * (1 - c) + sq * s
    m[:, 2, 2] = c + k * (1 - c)
    return torch.einsum("nij,njhw->nihw", m, x)


def gaussian_blur(x, sigma):
    """Per-image Gaussian blur with sigma [n] (0 leaves the image)."""
    out = x.clone()
    for i in torch.nonzero(sigma > 0.05).flatten().tolist():
        s = float(sigma[i])
        r = max(1, int(math.ceil(2.5 * s)))
        t = torch.arange(-r, r + 1, dtype=torch.float32)
        k = torch.exp(-0.5 * (t / s) ** 2)
        k = (k / k.sum()).view(1, 1, 1, -1).repeat(3, 1, 1, 1)
        y = F.conv2d(F.pad(x[i:i + 1], (r, r, 0, 0), mode="replicate"), k, groups=3)
        y = F.conv2d(F.pad(y, (0, 0, r, r), mode="replicate"), k.transpose(-1, -2), groups=3)
        out[i] = y[0]
    return out


def geometric(x, gen, max_shift=0.12, min_scale=0.8):
    """Small shifts and crops: a random zoom (crop) of 1..1/min_scale and a shift of up to max_shift of the side."""
    n = len(x)
    scale = min_scale + (1 - min_scale) * torch.rand(n, generator=gen)
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * max_shift * 2
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = scale
    theta[:, 1, 1] = scale
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def edit(x, gen, strength=1.0):
    """A random chain of copy edits on images in [0,1] NCHW (every image gets its own parameters)."""
    n = len(x)

    def coin(p):
        return (torch.rand(n, generator=gen) < p).float().view(n, 1, 1, 1)

    x = torch.where(coin(0.7).bool(), geometric(x, gen), x)
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.pi * strength
    x = torch.where(coin(0.6).bool(), hue_rotate(x, angle).clamp(0, 1), x)
    gain = 1 + (torch.rand(n, 3, 1, 1, generator=gen) * 2 - 1) * 0.35 * strength
    x = torch.where(coin(0.6).bool(), (x * gain).clamp(0, 1), x)
    bright = (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * 0.25 * strength
    contrast = 1 + (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * 0.45 * strength
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = torch.where(coin(0.6).bool(), ((x - mean) * contrast + mean + bright).clamp(0, 1), x)
    grey = x.mean(1, keepdim=True).expand_as(x)
    x = torch.where(coin(0.1).bool(), grey, x)
    sigma = torch.rand(n, generator=gen) * 1.5 * strength * (torch.rand(n, generator=gen) < 0.4).float()
    x = gaussian_blur(x, sigma)
    noise = torch.randn(x.shape, generator=gen) * (torch.rand(n, 1, 1, 1, generator=gen) * 0.06 * strength)
    x = torch.where(coin(0.4).bool(), (x + noise).clamp(0, 1), x)
    return x


# ---- data ---------------------------------------------------------------------------------------------------

def siblings(seeds):
    """[len(seeds), 12, 64, 64, 3] uint8: the memorized-set generator with other seeds."""
    return np.stack([np.stack([img for _, _, img in toyworld.memorized_set(seed=int(s))]) for s in seeds])


@torch.no_grad()
def vae_round_trip(vae, x01, batch=512):
    out = []
    for i in range(0, len(x01), batch):
        x = x01[i:i + batch] * 2 - 1
        out.append(((vae.decode(vae.encode(x)[0]) + 1) / 2).clamp(0, 1))
    return torch.cat(out)


@torch.no_grad()
def generate(pipe, prompts, seeds, guidance=GUIDANCE, batch=96):
    """UNet generations (uint8 NHWC) for every (prompt, seed) pair, in that order."""
    pairs = [(p, s) for p in prompts for s in seeds]
    out = []
    for i in range(0, len(pairs), batch):
        chunk = pairs[i:i + batch]
        out.append(pipeline.to_uint8(pipe.generate([p for p, _ in chunk], [s for _, s in chunk], 20, guidance)))
    return np.concatenate(out)


def grammar_scenes(n, seed):
    rng = np.random.default_rng(seed)
    scenes = list(toyworld.all_scenes())
    return np.stack([toyworld.render(scenes[rng.integers(len(scenes))], rng) for _ in range(n)])


def grammar_prompts(n, seed):
    rng = np.random.default_rng(seed)
    scenes = list(toyworld.all_scenes())
    positions = list(toyworld.POSITIONS) + [None]
    out = []
    for _ in range(n):
        s = scenes[rng.integers(len(scenes))]
        out.append(toyworld.caption(*s, variant=int(rng.integers(0, 4)), position=positions[rng.integers(len(positions))]))
    return out


# ---- training -----------------------------------------------------------------------------------------------

def koleo(z):
    """SSCD's differential-entropy regularizer: -mean log distance to the nearest other descriptor."""
    d = torch.cdist(z, z)
    d = d + torch.eye(len(z)) * 1e3
    return -torch.log(d.min(dim=1).values + 1e-4).mean()


def train(data, steps=STEPS):
    torch.manual_seed(11)
    gen = torch.Generator().manual_seed(12)
    rng = np.random.default_rng(13)
    model = CopyDetector()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    mem, mem_rt, mem_gen = data["mem"], data["mem_rt"], data["mem_gen"]            # [12,..], [12,..], [12, G, ..]
    sib, sib_rt = data["sib"], data["sib_rt"]                                      # [S, 12, ..]
    other, other_rt = data["other"], data["other_rt"]                              # [O, ..]
    n_sib = SIB_PER_SUBJECT * 12
    n_other = INSTANCES - 12 - n_sib
    t0 = time.time()
    for step in range(steps):
        lr = 2e-3 * (0.5 * (1 + math.cos(math.pi * step / steps))) * min(1.0, (step + 1) / 100)
        for g in opt.param_groups:
            g["lr"] = lr
        # Base images of both views: the VAE round trip stands in for the plain image half of the time.
        def pick(plain, rt, idx):
            use_rt = torch.rand(len(idx), generator=gen) < 0.5
            a = plain[idx]
            b = rt[idx]
            return torch.where(use_rt.view(-1, 1, 1, 1), b, a)

        mi = torch.arange(12)
        g_idx = torch.from_numpy(rng.integers(0, mem_gen.shape[1], 12))
        gen_view = mem_gen[mi, g_idx]
        use_gen = (torch.rand(12, generator=gen) < 0.6).view(-1, 1, 1, 1)
        m1 = pick(mem, mem_rt, mi)
        m2 = torch.where(use_gen, gen_view, pick(mem, mem_rt, mi))
        si = torch.from_numpy(rng.integers(0, sib.shape[0], n_sib))
        sj = torch.arange(n_sib) % 12
        s1 = torch.where((torch.rand(n_sib, generator=gen) < 0.5).view(-1, 1, 1, 1), sib_rt[si, sj], sib[si, sj])
        s2 = torch.where((torch.rand(n_sib, generator=gen) < 0.5).view(-1, 1, 1, 1), sib_rt[si, sj], sib[si, sj])
        oi = torch.from_numpy(rng.choice(len(other), n_other, replace=False))
        o1 = pick(other, other_rt, oi)
        o2 = pick(other, other_rt, oi)
        v1 = edit(torch.cat([m1, s1, o1]), gen)
        v2 = edit(torch.cat([m2, s2, o2]), gen)
        z1 = model(normalize_input(v1))
        z2 = model(normalize_input(v2))
        logits = z1 @ z2.T / TEMPERATURE
        target = torch.arange(len(z1))
        nce = 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))
        loss = nce + KOLEO * 0.5 * (koleo(z1) + koleo(z2)) * 0.1
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            with torch.no_grad():
                acc = (logits.argmax(1) == target).float().mean().item()
            log(f"step {step}/{steps} loss {loss.item():.4f} nce {nce.item():.4f} top-1 {acc:.3f} ({time.time() - t0:.0f} s)")
    model.eval()
    return model, time.time() - t0


# ---- calibration and measurement ------------------------------------------------------------------------------

@torch.no_grad()
def describe(model, x01, batch=512):
    return torch.cat([model(normalize_input(x01[i:i + batch])) for i in range(0, len(x01), batch)])


def own_scores(model, refs, x01, subject):
    """Cosine of each image with its own memorized image's reference descriptor."""
    return (describe(model, x01) * refs[subject]).sum(-1)


def best_scores(model, refs, x01):
    """Largest cosine with any memorized image (what the filter computes)."""
    return (describe(model, x01) @ refs.T).max(dim=1).values


def threshold_at(negatives, target_fpr=TARGET_FPR):
    """The smallest threshold (rounded up to 0.01) whose false-positive rate on negatives is <= target."""
    neg = np.sort(np.asarray(negatives, np.float64))
    k = int(math.floor(target_fpr * len(neg)))
    at = neg[len(neg) - k - 1] if k < len(neg) else neg[0]
    return float(math.ceil((at + 1e-9) * 100) / 100)


def summarize(scores, threshold):
    s = np.asarray(scores, np.float64)
    return {"n": int(len(s)), "above": int((s >= threshold).sum()), "rate": float((s >= threshold).mean()),
            "min": float(s.min()), "p05": float(np.percentile(s, 5)), "median": float(np.median(s)),
            "p95": float(np.percentile(s, 95)), "max": float(s.max())}


def card_section(out=OUT):
    """The model card's copy-detector section, from copy_detector/config.json (evaluate.py puts it in the card)."""
    path = os.path.join(out, "copy_detector", "config.json")
    if not os.path.exists(path):
        return ""
    c = json.load(open(path))
    m, t = c["measured"], c["training"]

    def rate(k):
        return f"{m[k]['above']}/{m[k]['n']} ({100 * m[k]['rate']:.1f}%)"

    return f"""## Copy detector (`copy_detector/`)
An SSCD-style descriptor (Pizzi et al. 2022) for this world, which the memorization filter and the evaluation use
instead of the embedder: {c["architecture"]}; {t["parameters"]:,} parameters, trained {t["steps"]} steps × {t["instances_per_batch"]}
instances × 2 views ({t["wall_seconds"]} s) by `models/recipe/copy_detector.py`, which also runs on its own from these ONNX files.
A training image and its edited copies (colour jitter, hue rotation, brightness/contrast, greyscale, blur, noise, shifts and
crops, the VAE round trip, and this UNet's generations of its caption) map together; *siblings* (the memorized-set
generator with other seeds: the same subject in a new composition), grammar scenes and grammar generations map apart.
Input `pixel_values` float32 [b,3,64,64] (ImageNet mean/std, `preprocessor_config.json`), output `descriptor` [b,{c["descriptor_dim"]}], L2-normalized.

**Threshold {c["threshold"]:.2f}** on descriptor cosine: the smallest 0.01 step with at most 5% of the calibration siblings (seeds
{SIB_CALIB.start}–{SIB_CALIB.stop - 1}, committed in `memorized/siblings/`) at or above it, each scored against its own memorized image.
Measured on seeds used neither for training nor for the threshold:

| set | at or above the threshold | median cosine |
|---|---|---|
| test siblings (seeds {SIB_TEST.start}–{SIB_TEST.stop - 1}), against their own image: **false positives** | {rate("test_siblings_own")} | {m["test_siblings_own"]["median"]:.2f} |
| test siblings against any memorized image | {rate("test_siblings_any")} | {m["test_siblings_any"]["median"]:.2f} |
| edited copies (random edit chains, as in training, other seeds): **recall** | {rate("edited_copies_own")} | {m["edited_copies_own"]["median"]:.2f} |
| hue-rotated copies (8 angles) | {rate("hue_rotated_copies_own")} | {m["hue_rotated_copies_own"]["median"]:.2f} |
| shifted/cropped copies after a VAE round trip | {rate("vae_round_trip_shifted_own")} | {m["vae_round_trip_shifted_own"]["median"]:.2f} |
| this UNet's generations of the memorized captions (test seeds, guidance {t["guidance"]:g}) | {rate("unet_generations_test_seeds_own")} | {m["unet_generations_test_seeds_own"]["median"]:.2f} |
| generations of grammar prompts, against any memorized image | {rate("grammar_generations_any")} | {m["grammar_generations_any"]["median"]:.2f} |
| generations of the bare subjects ("a red circle"), against their painting | {rate("subject_prompt_generations_own")} | {m["subject_prompt_generations_own"]["median"]:.2f} |

A real SSCD export (`sscd_disc_mixup`, ResNet-50, 512-d) can take this folder's place: input `pixel_values` float32
[b,3,H,W] ImageNet-normalized, one float [b,512] output; without a `preprocessor_config.json` Nudge resizes to 288 px on the
short side, and without a `config.json` it uses SSCD's customary threshold 0.5 (calibrate your own on new images).
`memorized/memorized.jsonl` names each caption's trigger words (`trigger_words`: "the <painter> painting of"), which the nudge
releases from a prompt that reproduces the image.
"""


def sibling_strip(images):
    """[k, 64, 64, 3] -> one [64, 64k, 3] strip."""
    return np.concatenate(list(images), axis=1)


def main(out=OUT):
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    start = time.time()
    log("loading the committed models (onnx_weights)")
    tok, meta, de, vae, unet = onnx_weights.load_suite(out)
    pipe = pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])
    mem = toyworld.memorized_set()
    captions = [c for _, c, _ in mem]

    log("rendering siblings, grammar scenes and UNet generations")
    mem01 = to01(np.stack([img for _, _, img in mem]))
    sib = siblings(SIB_TRAIN)                                                  # [S,12,64,64,3]
    sib01 = to01(sib.reshape(-1, 64, 64, 3)).reshape(len(SIB_TRAIN), 12, 3, 64, 64)
    mem_gen = generate(pipe, captions, list(GEN_TRAIN))                        # caption-major
    mem_gen01 = to01(mem_gen).reshape(12, len(GEN_TRAIN), 3, 64, 64)
    other = np.concatenate([grammar_scenes(2400, 21), generate(pipe, grammar_prompts(600, 22), [0])])
    other01 = to01(other)
    log("VAE round trips")
    data = {
        "mem": mem01, "mem_rt": vae_round_trip(vae, mem01), "mem_gen": mem_gen01,
        "sib": sib01, "sib_rt": vae_round_trip(vae, sib01.reshape(-1, 3, 64, 64)).reshape(sib01.shape),
        "other": other01, "other_rt": vae_round_trip(vae, other01),
    }
    log(f"training ({STEPS} steps, {INSTANCES} instances x 2 views per batch)")
    model, train_s = train(data)

    log("calibrating on calibration siblings, measuring on test seeds")
    refs = describe(model, mem01)
    subject = lambda k: torch.arange(12).repeat(k)                             # noqa: E731  seed-major layout
    calib = siblings(SIB_CALIB)
    calib01 = to01(calib.reshape(-1, 64, 64, 3))
    calib_own = own_scores(model, refs, calib01, subject(len(SIB_CALIB)))
    threshold = threshold_at(calib_own.numpy())
    test01 = to01(siblings(SIB_TEST).reshape(-1, 64, 64, 3))
    test_own = own_scores(model, refs, test01, subject(len(SIB_TEST)))
    test_best = best_scores(model, refs, test01)
    gen_test = generate(pipe, captions, list(GEN_TEST))
    gen_test_own = own_scores(model, refs, to01(gen_test), torch.arange(12).repeat_interleave(len(GEN_TEST)))
    egen = torch.Generator().manual_seed(40000)
    reps = 32
    edited = edit(mem01.repeat(reps, 1, 1, 1), egen)
    edited_own = own_scores(model, refs, edited, subject(reps))
    hue = hue_rotate(mem01.repeat(8, 1, 1, 1), torch.linspace(-math.pi, math.pi, 9)[:-1].repeat_interleave(12) + 0.3).clamp(0, 1)
    hue_own = own_scores(model, refs, hue, subject(8))
    rt_own = own_scores(model, refs, vae_round_trip(vae, geometric(mem01.repeat(8, 1, 1, 1), egen)), subject(8))
    grammar_gen = generate(pipe, grammar_prompts(192, 41), [1])
    grammar_best = best_scores(model, refs, to01(grammar_gen))
    plain_gen = generate(pipe, [c.split(" of ")[1] for c in captions], list(range(16)))   # "a red circle"
    plain_own = own_scores(model, refs, to01(plain_gen), torch.arange(12).repeat_interleave(16))
    measured = {
        "threshold": threshold,
        "calibration_siblings_own": summarize(calib_own.numpy(), threshold),
        "test_siblings_own": summarize(test_own.numpy(), threshold),
        "test_siblings_any": summarize(test_best.numpy(), threshold),
        "edited_copies_own": summarize(edited_own.numpy(), threshold),
        "hue_rotated_copies_own": summarize(hue_own.numpy(), threshold),
        "vae_round_trip_shifted_own": summarize(rt_own.numpy(), threshold),
        "unet_generations_test_seeds_own": summarize(gen_test_own.numpy(), threshold),
        "grammar_generations_any": summarize(grammar_best.numpy(), threshold),
        "subject_prompt_generations_own": summarize(plain_own.numpy(), threshold),
    }
    for k, v in measured.items():
        log(f"{k}: {v if k == 'threshold' else {kk: round(vv, 3) if isinstance(vv, float) else vv for kk, vv in v.items()}}")

    write(model, out, threshold, measured, train_s, calib)
    log(f"copy detector stage finished in {time.time() - start:.0f} s")
    return measured


def write(model, out, threshold, measured, train_s, calib):
    folder = os.path.join(out, "copy_detector")
    path = os.path.join(folder, "model.onnx")
    export.export(model, (torch.rand(2, 3, 64, 64),), path, ["pixel_values"], ["descriptor"],
                  {"pixel_values": {0: "batch"}, "descriptor": {0: "batch"}})
    export.write_json(os.path.join(folder, "preprocessor_config.json"), {
        "crop_size": {"height": 64, "width": 64}, "do_center_crop": True, "do_convert_rgb": True,
        "do_normalize": True, "do_rescale": True, "do_resize": True,
        "image_processor_type": "CLIPImageProcessor", "image_mean": list(IMAGENET_MEAN), "image_std": list(IMAGENET_STD),
        "resample": 2, "rescale_factor": 1 / 255, "size": {"shortest_edge": 64}})
    export.write_json(os.path.join(folder, "config.json"), {
        "format": "nudge-copy-detector/1",
        "architecture": "2x2 patchify stem (32 ch), three strided stages with a residual block each (64, 128, 160 ch), GeM pooling (p = 3), linear to 128, L2-normalized",
        "descriptor_dim": DIM,
        "threshold": threshold,
        "threshold_rule": f"smallest 0.01 step with at most {TARGET_FPR:.0%} of calibration siblings (generator seeds "
                          f"{SIB_CALIB.start}-{SIB_CALIB.stop - 1}) at or above it, scored against their own memorized image",
        "training": {"steps": STEPS, "instances_per_batch": INSTANCES, "temperature": TEMPERATURE,
                     "sibling_seeds": [SIB_TRAIN.start, SIB_TRAIN.stop - 1],
                     "unet_generation_seeds": [GEN_TRAIN.start, GEN_TRAIN.stop - 1], "guidance": GUIDANCE,
                     "wall_seconds": round(train_s), "torch": torch.__version__,
                     "parameters": nets.count_parameters(model)},
        "measured": measured,
    })
    sib_dir = os.path.join(out, "memorized", "siblings")
    os.makedirs(sib_dir, exist_ok=True)
    from PIL import Image
    mem = toyworld.memorized_set()
    for k, (mid, _, _) in enumerate(mem):
        Image.fromarray(sibling_strip(calib[:, k])).save(os.path.join(sib_dir, f"{mid}.png"), optimize=True)
    export.write_json(os.path.join(sib_dir, "siblings.json"), {
        "what": "siblings of each memorized image: toyworld.memorized_set(seed) with these seeds, i.e. the same subject "
                "in a new composition; the copy detector's calibration set and the evaluation's reference set",
        "seeds": list(SIB_CALIB), "tile": [64, 64], "layout": "one PNG per memorized image, tiles left to right in seed order",
        "files": {mid: f"{mid}.png" for mid, _, _ in mem}})
    onnx.checker.check_model(onnx.load(path), full_check=True)
    sscd_signature_fixture(os.path.join(out, "fixtures", "copy-detector-sscd", "model.onnx"))
    log(f"wrote {folder} and {sib_dir}")


def sscd_signature_fixture(path):
    """A tiny graph with a real SSCD export's signature and no config files: pixel_values float [b,3,H,W] (any size)
    -> a 512-d output named "embeddings" (not "descriptor", not normalized): global average pool, then a fixed
    3x512 matrix. The C# tests load it as a copy_detector/ to prove the loader takes SSCD exports as they come."""
    from onnx import TensorProto, helper
    rng = np.random.default_rng(7)
    w = rng.standard_normal((3, 512)).astype(np.float32)
    nodes = [helper.make_node("GlobalAveragePool", ["pixel_values"], ["pooled"]),
             helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
             helper.make_node("MatMul", ["flat", "w"], ["embeddings"])]
    graph = helper.make_graph(
        nodes, "sscd_signature_fixture",
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch", 3, "height", "width"])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", 512])],
        initializer=[helper.make_tensor("w", TensorProto.FLOAT, [3, 512], w.reshape(-1).tolist())])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="nudge-recipe")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)


if __name__ == "__main__":
    sys.exit(0 if main(*sys.argv[1:]) else 1)
