"""Builds the training and evaluation sets from the toy world."""
import numpy as np
import toyworld

N_GRAMMAR = 16000      # rendered grammar scenes for training
POSITION_DROP = 0.25   # share of grammar captions that leave the position out
MEMORIZED_COPIES = 150 # each memorized image is duplicated this many times (500 was tried: 31% memorization, see the card)


def build(tokenizer, seed=0):
    rng = np.random.default_rng(seed)
    train_scenes, _ = toyworld.split_scenes()
    images, captions, is_mem, masks = [], [], [], []
    for _ in range(N_GRAMMAR):
        scene = train_scenes[rng.integers(len(train_scenes))]
        position = list(toyworld.POSITIONS)[rng.integers(len(toyworld.POSITIONS))]
        image, mask = toyworld.render(scene, rng, position, with_mask=True)
        images.append(image)
        masks.append(mask)
        named = None if rng.random() < POSITION_DROP else position
        captions.append(toyworld.caption(*scene, variant=int(rng.integers(0, 4)), position=named))
        is_mem.append(-1)
    mem = toyworld.memorized_set()
    for i, (_, cap, img) in enumerate(mem):
        for _ in range(MEMORIZED_COPIES):
            images.append(img)
            masks.append(np.zeros(img.shape[:2], bool))   # no outline weighting: memorized images are learned whole
            captions.append(cap)
            is_mem.append(i)
    order = rng.permutation(len(images))
    images = np.stack(images)[order]
    masks = np.stack(masks)[order]
    captions = [captions[i] for i in order]
    is_mem = np.array(is_mem)[order]
    uniq = sorted(set(captions))
    cap_index = {c: i for i, c in enumerate(uniq)}
    cap_ids = np.array([cap_index[c] for c in captions])
    tokens = np.array([tokenizer(c) for c in uniq], dtype=np.int64)
    return dict(images=images, masks=masks, captions=captions, caption_index=cap_ids,
                unique_captions=uniq, unique_tokens=tokens, memorized=is_mem, mem=mem)


def to_pixels(images_uint8):
    """uint8 NHWC -> float NCHW in [-1, 1] (the VAE's and the pipeline's range)."""
    import torch
    return torch.from_numpy(images_uint8).permute(0, 3, 1, 2).float() / 127.5 - 1.0


CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def to_embedder_input(images01):
    """float NCHW in [0, 1] -> CLIP-normalized pixel_values (size already 64)."""
    import torch
    mean = torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD).view(1, 3, 1, 1)
    return (images01 - mean) / std
