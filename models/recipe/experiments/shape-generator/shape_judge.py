"""The shape judge of judge_large_plain.py and latent_detail.py: the candidate build's shape-aware embedder (it picks
the right shape for 123/128 large renders of the committed radii). JUDGE_RECIPE names a checkout of commit 319169b
whose models/recipe/work/ holds that build's checkpoints (default /tmp/build/models/recipe); its weights are not
committed.
"""
import importlib.util
import os

import torch
import torch.nn.functional as F

import data  # models/recipe, put on the path by the calling script
import toyworld

JUDGE = os.environ.get("JUDGE_RECIPE", "/tmp/build/models/recipe")


def load(tok):
    # The candidate's nets.py differs from the recipe's (max pool in the image tower), so it is loaded by path.
    spec = importlib.util.spec_from_file_location("candidate_nets", os.path.join(JUDGE, "nets.py"))
    candidate_nets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(candidate_nets)
    judge = candidate_nets.DualEncoder(len(tok.vocab))
    judge.load_state_dict(torch.load(os.path.join(JUDGE, "work", "embedder.pt")))
    return judge.eval()


@torch.no_grad()
def chosen_shapes(judge, tok, images, colour, bgc):
    """For images in [-1, 1], the shape whose caption "a large {colour} {shape} on a plain {bgc} background" is closest."""
    v = F.normalize(judge.image_embeds(data.to_embedder_input((images.clamp(-1, 1) + 1) / 2)), dim=-1)
    ids = torch.tensor([tok(f"a large {colour} {s} on a plain {bgc} background") for s in toyworld.SHAPES], dtype=torch.int32)
    t = F.normalize(judge.text_embeds(ids), dim=-1)
    return [toyworld.SHAPES[j] for j in (v @ t.T).argmax(1).tolist()]
