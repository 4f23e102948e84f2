"""Rebuilds the recipe's PyTorch modules from the committed ONNX files, so experiments and the copy detector's
stage run on exactly the shipped weights without the (uncommitted) training checkpoints in work/.

torch.onnx.export names most initializers after their parameters, but constant folding turns some into
anonymous tensors (linear weights transposed for MatMul, GroupNorm affine parameters reshaped to [C,1,1]).
Those names are deterministic for one torch version and one module definition, so the mapping is learned by
exporting a freshly initialized module the same way and matching each anonymous initializer to the parameter
whose values it holds (as they are, or transposed). The result is checked: re-exporting the loaded module must
reproduce every initializer of the committed file exactly (verify()).
"""
import hashlib
import io
import json
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

import bpe
import export
import nets
import pipeline
import toyworld

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.normpath(os.path.join(HERE, "..", "tiny-sd"))


def _initializers(model_bytes_or_path):
    m = onnx.load(model_bytes_or_path) if isinstance(model_bytes_or_path, str) else onnx.load_from_string(model_bytes_or_path)
    return {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}


def _export_bytes(wrapper, args, inputs, outputs, dynamic):
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(wrapper, args, buf, input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                          opset_version=export.OPSET, do_constant_folding=True)
    return buf.getvalue()


def _mapping(module, make_wrapper, args, inputs, outputs, dynamic, prefix):
    """name in the ONNX file -> (parameter name, transform) for every parameter of `module` the export keeps."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in module.state_dict().values():
            if p.dtype.is_floating_point:
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)   # distinct, nonzero values
    inits = _initializers(_export_bytes(make_wrapper(module), args, inputs, outputs, dynamic))
    params = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    mapping = {}
    for name, value in inits.items():
        key = name[len(prefix):] if name.startswith(prefix) else None
        if key in params and params[key].shape == value.shape:
            mapping[name] = (key, "same")
            continue
        for k, p in params.items():
            if p.size != value.size or not p.dtype == value.dtype:
                continue
            if np.array_equal(p.reshape(-1), value.reshape(-1)):
                mapping[name] = (k, "reshape")
                break
            if p.ndim == 2 and value.ndim == 2 and np.array_equal(p.T, value):
                mapping[name] = (k, "transpose")
                break
    return mapping


def _load(module, path, mapping):
    inits = _initializers(path)
    state = module.state_dict()
    seen = set()
    for name, (key, how) in mapping.items():
        value = inits[name]
        if how == "transpose":
            value = value.T
        state[key] = torch.from_numpy(np.ascontiguousarray(value).reshape(state[key].shape).copy())
        seen.add(key)
    unused = [k for k, v in state.items() if v.dtype.is_floating_point and k not in seen]
    module.load_state_dict(state)
    module.eval()
    return unused


def _specs(vocab, d=128):
    ids = torch.ones(2, 77, dtype=torch.int32)
    pix = torch.randn(2, 3, 64, 64)
    lat = torch.randn(2, 4, 8, 8)
    batch = {0: "batch"}
    spatial = {0: "batch", 2: "height", 3: "width"}
    unet_dyn = {"sample": spatial, "timestep": batch, "encoder_hidden_states": batch, "out_sample": spatial}
    return {
        "text_encoder": (lambda: nets.DualEncoder(vocab), lambda de: export.TextEncoder(de.text), (ids,), ["input_ids"],
                         ["last_hidden_state", "pooler_output"],
                         {"input_ids": batch, "last_hidden_state": batch, "pooler_output": batch}, "text."),
        "embedder_text": (lambda: nets.DualEncoder(vocab), lambda de: export.TextModel(de), (ids,), ["input_ids"], ["text_embeds"],
                          {"input_ids": batch, "text_embeds": batch}, "de."),
        "embedder_vision": (lambda: nets.DualEncoder(vocab), lambda de: export.VisionModel(de), (pix,), ["pixel_values"],
                            ["image_embeds"], {"pixel_values": batch, "image_embeds": batch}, "de."),
        "vae_decoder": (nets.Autoencoder, export.Decoder, (lat,), ["latent_sample"], ["sample"],
                        {"latent_sample": spatial, "sample": spatial}, "vae."),
        "vae_encoder": (nets.Autoencoder, export.Encoder, (pix,), ["sample"], ["latent_sample"],
                        {"sample": spatial, "latent_sample": spatial}, "vae."),
        "unet": (nets.UNet, lambda u: u, (lat, torch.tensor([999, 1]), torch.randn(2, 77, d)),
                 ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], unet_dyn, ""),
    }


FILES = {"text_encoder": "text_encoder/model.onnx", "embedder_text": "embedder/text_model.onnx",
         "embedder_vision": "embedder/vision_model.onnx", "vae_decoder": "vae_decoder/model.onnx",
         "vae_encoder": "vae_encoder/model.onnx", "unet": "unet/model.onnx"}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_part(kind, module, vocab, folder=TINY):
    """Loads the parameters `kind` exports into `module` (in place) from folder's ONNX file."""
    make, wrap, args, inputs, outputs, dynamic, prefix = _specs(vocab)[kind]
    mapping = _mapping(make(), wrap, args, inputs, outputs, dynamic, prefix)
    _load(module, os.path.join(folder, FILES[kind]), mapping)
    return module


def load_suite(folder=TINY):
    """(tokenizer, meta, DualEncoder, Autoencoder, UNet) with the weights of folder's ONNX files."""
    tok = bpe.Tokenizer(bpe.train_merges(toyworld.vocabulary_words()))
    vocab = len(tok.vocab)
    de, vae, unet = nets.DualEncoder(vocab), nets.Autoencoder(), nets.UNet()
    for kind in ("text_encoder", "embedder_text", "embedder_vision"):
        load_part(kind, de, vocab, folder)
    for kind in ("vae_decoder", "vae_encoder"):
        load_part(kind, vae, vocab, folder)
    load_part("unet", unet, vocab, folder)
    for m in (de, vae, unet):
        m.eval()
    scaling = json.load(open(os.path.join(folder, "vae_decoder", "config.json")))["scaling_factor"]
    return tok, {"scaling_factor": scaling}, de, vae, unet


def verify(folder=TINY):
    """Re-exports every loaded part and compares each initializer with the committed file; returns the worst
    absolute difference per part (0.0 means the weights are exactly the shipped ones)."""
    tok, meta, de, vae, unet = load_suite(folder)
    modules = {"text_encoder": de, "embedder_text": de, "embedder_vision": de, "vae_decoder": vae, "vae_encoder": vae, "unet": unet}
    out = {}
    for kind, (make, wrap, args, inputs, outputs, dynamic, prefix) in _specs(len(tok.vocab)).items():
        mine = _initializers(_export_bytes(wrap(modules[kind]), args, inputs, outputs, dynamic))
        theirs = _initializers(os.path.join(folder, FILES[kind]))
        if set(mine) != set(theirs):
            raise RuntimeError(f"{kind}: initializer names differ from {FILES[kind]} (another torch version?)")
        out[kind] = max(float(np.max(np.abs(mine[n].astype(np.float64) - theirs[n]))) if mine[n].size else 0.0 for n in mine)
    return out


def torch_pipeline(folder=TINY):
    tok, meta, de, vae, unet = load_suite(folder)
    return pipeline.TorchPipeline(tok, de, vae, unet, meta["scaling_factor"])


if __name__ == "__main__":
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    for kind, worst in verify().items():
        print(f"{kind}: re-export differs from {FILES[kind]} by at most {worst:.3g}")
