"""Exports the trained suite to ONNX in the Stable Diffusion ONNX folder layout.

models/tiny-sd/
  model_index.json                     diffusers' OnnxStableDiffusionPipeline index
  generation_defaults.json             the settings a request without them gets (guidance 3)
  tokenizer/ scheduler/                CLIP tokenizer files, SD 1.4 PNDM config
  text_encoder/model.onnx              input_ids int32 [b,77] -> last_hidden_state, pooler_output
  unet/model.onnx                      sample, timestep int64, encoder_hidden_states -> out_sample
  vae_decoder/model.onnx               latent_sample -> sample in [-1, 1]
  vae_encoder/model.onnx               sample -> latent_sample (the posterior mean)
  embedder/                            CLIP-like dual encoder + preprocessing + text projection
  fixtures/unet-float-timestep/        the same UNet with a float32 timestep input
  fixtures/unet-fp16/                  a small float16 graph with UNet's signature
  memorized/                           the memorized training images
"""
import json
import os
import struct
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

import bpe
import data
import nets
import schedule
import toyworld

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "tiny-sd"))
WORK = os.path.join(HERE, "work")
OPSET = 17


def load(work=WORK):
    tok = bpe.Tokenizer(bpe.train_merges(toyworld.vocabulary_words()))
    meta = json.load(open(os.path.join(work, "meta.json")))
    de = nets.DualEncoder(len(tok.vocab))
    de.load_state_dict(torch.load(os.path.join(work, "embedder.pt")))
    vae = nets.Autoencoder()
    vae.load_state_dict(torch.load(os.path.join(work, "vae.pt")))
    unet = nets.UNet()
    refined = os.path.join(work, "unet_refined.pt")
    unet.load_state_dict(torch.load(refined if os.path.exists(refined) else os.path.join(work, "unet.pt")))
    for m in (de, vae, unet):
        m.eval()
    return tok, meta, de, vae, unet


class TextEncoder(torch.nn.Module):
    def __init__(self, text):
        super().__init__()
        self.text = text

    def forward(self, input_ids):
        return self.text(input_ids)


class TextModel(torch.nn.Module):
    def __init__(self, de):
        super().__init__()
        self.de = de

    def forward(self, input_ids):
        return self.de.text_embeds(input_ids)


class VisionModel(torch.nn.Module):
    def __init__(self, de):
        super().__init__()
        self.de = de

    def forward(self, pixel_values):
        return self.de.image_embeds(pixel_values)


class Decoder(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample):
        return self.vae.decode(latent_sample)


class Encoder(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, sample):
        # Deterministic: the posterior mean, unscaled (multiply by scaling_factor).
        return self.vae.encode(sample)[0]


class FloatTimestepUNet(torch.nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.unet(sample, timestep, encoder_hidden_states)


def export(module, args, path, inputs, outputs, dynamic):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs,
                          dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    return path


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def write_text_projection(path, de):
    """safetensors-style file: u64 header length, JSON header, raw float32 data."""
    ln = de.text.final_ln
    tensors = [("final_layer_norm.weight", ln.weight), ("final_layer_norm.bias", ln.bias),
               ("text_projection.weight", de.text_projection.weight)]
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        arr = t.detach().float().numpy().astype("<f4")
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        blobs.append(arr.tobytes())
        offset += arr.nbytes
    header["__metadata__"] = {
        "format": "nudge-text-projection/1",
        "layer_norm_eps": str(ln.eps),
        "note": "text_encoder last_hidden_state is already after final_layer_norm; "
                "text_embeds = text_projection.weight @ last_hidden_state[pooled_index]",
    }
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def fp16_fixture(path, ctx_dim):
    """A float16 graph with the UNet signature: out = 0.5*sample + 0.001*t + mean(ehs).

    It proves the loader reads element types from the session metadata and
    converts on the way in and out; the formula is checked by the C# tests."""
    f16 = TensorProto.FLOAT16
    nodes = [
        helper.make_node("Constant", [], ["half"], value=helper.make_tensor("half", f16, [], [0.5])),
        helper.make_node("Constant", [], ["milli"], value=helper.make_tensor("milli", f16, [], [0.001])),
        helper.make_node("Mul", ["sample", "half"], ["a"]),
        helper.make_node("Mul", ["timestep", "milli"], ["tm"]),
        helper.make_node("Unsqueeze", ["tm", "axes123"], ["tb"]),
        helper.make_node("ReduceMean", ["encoder_hidden_states"], ["m"], axes=[1, 2], keepdims=0),
        helper.make_node("Unsqueeze", ["m", "axes123"], ["mb"]),
        helper.make_node("Add", ["a", "tb"], ["b"]),
        helper.make_node("Add", ["b", "mb"], ["out_sample"]),
    ]
    graph = helper.make_graph(
        nodes, "unet_fp16_fixture",
        [helper.make_tensor_value_info("sample", f16, ["batch", 4, "height", "width"]),
         helper.make_tensor_value_info("timestep", f16, ["batch"]),
         helper.make_tensor_value_info("encoder_hidden_states", f16, ["batch", 77, ctx_dim])],
        [helper.make_tensor_value_info("out_sample", f16, ["batch", 4, "height", "width"])],
        initializer=[helper.make_tensor("axes123", TensorProto.INT64, [3], [1, 2, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="nudge-recipe")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)


def main(work=WORK, out=OUT):
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    tok, meta, de, vae, unet = load(work)
    d = de.text.final_ln.normalized_shape[0]
    e = de.text_projection.out_features
    scaling = meta["scaling_factor"]
    ids = torch.tensor([tok("a red circle on a blue background")] * 2, dtype=torch.int32)
    batch = {0: "batch"}
    spatial = {0: "batch", 2: "height", 3: "width"}

    export(TextEncoder(de.text), (ids,), f"{out}/text_encoder/model.onnx", ["input_ids"],
           ["last_hidden_state", "pooler_output"], {"input_ids": batch, "last_hidden_state": batch, "pooler_output": batch})
    write_json(f"{out}/text_encoder/config.json", {
        "_name_or_path": "nudge/tiny-sd", "architectures": ["CLIPTextModel"], "model_type": "clip_text_model",
        "hidden_size": d, "max_position_embeddings": 77, "vocab_size": len(tok.vocab),
        "num_hidden_layers": len(de.text.blocks), "num_attention_heads": 4, "hidden_act": "quick_gelu",
        "bos_token_id": tok.bos, "eos_token_id": tok.eos, "pad_token_id": tok.pad})

    export(TextModel(de), (ids,), f"{out}/embedder/text_model.onnx", ["input_ids"], ["text_embeds"],
           {"input_ids": batch, "text_embeds": batch})
    pix = torch.randn(2, 3, 64, 64)
    export(VisionModel(de), (pix,), f"{out}/embedder/vision_model.onnx", ["pixel_values"], ["image_embeds"],
           {"pixel_values": batch, "image_embeds": batch})
    write_json(f"{out}/embedder/preprocessor_config.json", {
        "crop_size": {"height": 64, "width": 64}, "do_center_crop": True, "do_convert_rgb": True,
        "do_normalize": True, "do_rescale": True, "do_resize": True,
        "feature_extractor_type": "CLIPFeatureExtractor", "image_processor_type": "CLIPImageProcessor",
        "image_mean": list(data.CLIP_MEAN), "image_std": list(data.CLIP_STD),
        "resample": 3, "rescale_factor": 1 / 255, "size": {"shortest_edge": 64}})
    write_json(f"{out}/embedder/config.json", {
        "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": e,
        "text_config": {"hidden_size": d, "max_position_embeddings": 77, "vocab_size": len(tok.vocab)},
        "vision_config": {"image_size": 64, "num_channels": 3},
        "logit_scale": float(de.logit_scale.exp())})
    write_text_projection(f"{out}/embedder/text_projection.bin", de)

    lat = torch.randn(2, 4, 8, 8)
    export(Decoder(vae), (lat,), f"{out}/vae_decoder/model.onnx", ["latent_sample"], ["sample"],
           {"latent_sample": spatial, "sample": spatial})
    export(Encoder(vae), (pix,), f"{out}/vae_encoder/model.onnx", ["sample"], ["latent_sample"],
           {"sample": spatial, "latent_sample": spatial})
    vae_cfg = {"_class_name": "AutoencoderKL", "in_channels": 3, "out_channels": 3, "latent_channels": 4,
               "sample_size": 64, "scaling_factor": scaling, "block_out_channels": [24, 48, 96, 96],
               "note": "latents fed to the UNet are latent_sample * scaling_factor; divide before decoding"}
    write_json(f"{out}/vae_decoder/config.json", vae_cfg)
    write_json(f"{out}/vae_encoder/config.json", vae_cfg)

    ctx = torch.randn(2, 77, d)
    t = torch.tensor([999, 1], dtype=torch.int64)
    unet_dyn = {"sample": spatial, "timestep": batch, "encoder_hidden_states": batch, "out_sample": spatial}
    export(unet, (lat, t, ctx), f"{out}/unet/model.onnx", ["sample", "timestep", "encoder_hidden_states"],
           ["out_sample"], unet_dyn)
    write_json(f"{out}/unet/config.json", {
        "_class_name": "UNet2DConditionModel", "in_channels": 4, "out_channels": 4, "sample_size": 8,
        "cross_attention_dim": d, "block_out_channels": [32, 64], "attention_head_dim": 4,
        "prediction_type": "epsilon"})
    export(FloatTimestepUNet(unet), (lat, t.float(), ctx), f"{out}/fixtures/unet-float-timestep/model.onnx",
           ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], unet_dyn)
    fp16_fixture(f"{out}/fixtures/unet-fp16/model.onnx", d)

    os.makedirs(f"{out}/tokenizer", exist_ok=True)
    tok.save(f"{out}/tokenizer")
    write_json(f"{out}/scheduler/scheduler_config.json", schedule.SD14_SCHEDULER_CONFIG)
    write_json(f"{out}/model_index.json", {
        "_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": "0.25.0",
        "feature_extractor": [None, None], "requires_safety_checker": False,
        "safety_checker": [None, None], "scheduler": ["diffusers", "PNDMScheduler"],
        "text_encoder": ["diffusers", "OnnxRuntimeModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "OnnxRuntimeModel"], "vae_decoder": ["diffusers", "OnnxRuntimeModel"],
        "vae_encoder": ["diffusers", "OnnxRuntimeModel"],
        "embedder": ["nudge", "ClipDualEncoder"], "name": "nudge/tiny-sd"})
    # The operating point the card measures (its "Operating guidance" section); the CLI and HTTP use it when a request
    # gives no guidance, and the record says so.
    write_json(f"{out}/generation_defaults.json", {"guidance_scale": 3.0, "num_inference_steps": 20})

    from PIL import Image
    os.makedirs(f"{out}/memorized", exist_ok=True)
    with open(f"{out}/memorized/memorized.jsonl", "w", encoding="utf-8") as f:
        for mid, cap, img in toyworld.memorized_set():
            Image.fromarray(img).save(f"{out}/memorized/{mid}.png")
            # The caption template's words ("the <painter> painting of") are what recalls the image; the nudge releases
            # them from a prompt that reproduces it (a blind search finds other words: experiments/escape/).
            f.write(json.dumps({"id": mid, "caption": cap, "file": f"{mid}.png", "trigger_words": toyworld.trigger_words(cap)}) + "\n")
    total = 0
    for root, _, files in os.walk(out):
        for name in files:
            if name.endswith(".onnx"):
                onnx.checker.check_model(onnx.load(os.path.join(root, name)), full_check=True)
            total += os.path.getsize(os.path.join(root, name))
    print(f"exported to {out}: {total / 1e6:.2f} MB; onnx.checker passed on every model")


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
