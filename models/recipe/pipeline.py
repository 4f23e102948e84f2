"""The recipe's PyTorch implementation of the generation pipeline.

It follows diffusers' OnnxStableDiffusionPipeline: classifier-free guidance
with [uncond, cond] in one batched UNet call, PNDM (PLMS) steps, and the VAE
decoder on latents / scaling_factor. It is the reference the C# engine is
checked against and the peer it is benchmarked against.
"""
import torch

import data
import schedule


class TorchPipeline:
    def __init__(self, tok, de, vae, unet, scaling):
        self.tok, self.de, self.vae, self.unet, self.scaling = tok, de, vae, unet, scaling

    @torch.no_grad()
    def encode_prompts(self, prompts):
        ids = torch.tensor([self.tok(p) for p in prompts], dtype=torch.int32)
        hidden, pooled = self.de.text(ids)
        return ids, hidden, pooled

    @staticmethod
    def initial_noise(seed, batch=1):
        g = torch.Generator().manual_seed(seed)
        return torch.randn(batch, 4, 8, 8, generator=g)

    @torch.no_grad()
    def denoise(self, cond, uncond, noise, steps=20, guidance=7.5):
        sched = schedule.PNDM()
        sched.set_timesteps(steps)
        latents = noise.clone()
        ctx = torch.cat([uncond, cond])
        b = latents.shape[0]
        for t in sched.timesteps:
            inp = torch.cat([latents, latents])
            eps = self.unet(inp, torch.full((2 * b,), int(t), dtype=torch.int64), ctx)
            eu, ec = eps[:b], eps[b:]
            latents = sched.step(eu + guidance * (ec - eu), t, latents)
        return latents

    @torch.no_grad()
    def decode(self, latents):
        return self.vae.decode(latents / self.scaling)

    @torch.no_grad()
    def generate(self, prompts, seeds, steps=20, guidance=7.5, negative=""):
        _, cond, _ = self.encode_prompts(prompts)
        _, uncond, _ = self.encode_prompts([negative] * len(prompts))
        noise = torch.cat([self.initial_noise(s) for s in seeds])
        latents = self.denoise(cond, uncond, noise, steps, guidance)
        return self.decode(latents)

    @torch.no_grad()
    def image_embeds(self, images):
        """images in [-1, 1] NCHW -> L2-normalized embedder image embeddings."""
        x = data.to_embedder_input((images.clamp(-1, 1) + 1) / 2)
        return torch.nn.functional.normalize(self.de.image_embeds(x), dim=-1)

    @torch.no_grad()
    def text_embeds(self, prompts):
        ids = torch.tensor([self.tok(p) for p in prompts], dtype=torch.int32)
        return torch.nn.functional.normalize(self.de.text_embeds(ids), dim=-1)


def to_uint8(images):
    """[-1, 1] NCHW -> uint8 NHWC, rounded as diffusers' numpy_to_pil does."""
    x = ((images / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).numpy() * 255).round()
    return x.astype("uint8")
