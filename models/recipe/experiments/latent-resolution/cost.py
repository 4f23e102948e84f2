"""Training-step cost on 2 CPU cores of the recipe UNet at 8x8 and 16x16 latents and the VAE at factor 8 and 4.
Run: /usr/bin/python3 models/recipe/experiments/latent-resolution/cost.py
Measured 2026-11-28 (2 cores, one run): unet 8x8 768 ms/step, 16x16 2825 ms/step; vae factor 8 514 ms/step, factor 4 399 ms/step;
lite unet 16x16 794 ms/step (measured separately the same way, before this line was added here).
"""
import os, sys, time, torch, torch.nn.functional as F
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))  # models/recipe
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nets
import sweep  # the experiment's LiteUNet16
torch.set_num_threads(2); torch.manual_seed(0)
def bench(name, model, make, steps=15):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    for i in range(steps + 3):
        if i == 3: t0 = time.time()
        loss = make(model); opt.zero_grad(); loss.backward(); opt.step()
    print(f"{name}: {(time.time()-t0)/steps*1000:.0f} ms/step", flush=True)
ctx = torch.randn(64, 77, 128)
for hw in (8, 16):
    bench(f"unet (32,64) {hw}x{hw} b64", nets.UNet(ch=(32, 64)), lambda m: F.mse_loss(m(torch.randn(64,4,hw,hw), torch.randint(0,1000,(64,)), ctx), torch.randn(64,4,hw,hw)))
bench("lite unet 16x16 b64", sweep.LiteUNet16(), lambda m: F.mse_loss(m(torch.randn(64,4,16,16), torch.randint(0,1000,(64,)), ctx), torch.randn(64,4,16,16)))
for ch in ((24,48,96),(24,48)):
    bench(f"vae {ch} b32", nets.Autoencoder(ch=ch), lambda m: F.mse_loss(m.decode(m.encode(x := torch.randn(32,3,64,64))[0]), x))
