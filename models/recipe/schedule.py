"""Noise schedule and the PNDM (PLMS) sampler, written to match diffusers'
PNDMScheduler with skip_prk_steps (Stable Diffusion 1.4's default)."""
import torch

SD14_SCHEDULER_CONFIG = {
    "_class_name": "PNDMScheduler",
    "_diffusers_version": "0.7.0.dev0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "prediction_type": "epsilon",
    "timestep_spacing": "leading",
    "trained_betas": None,
}


def alphas_cumprod(cfg=SD14_SCHEDULER_CONFIG):
    n = cfg["num_train_timesteps"]
    betas = torch.linspace(cfg["beta_start"] ** 0.5, cfg["beta_end"] ** 0.5, n, dtype=torch.float32) ** 2
    return torch.cumprod(1.0 - betas, dim=0)


class PNDM:
    def __init__(self, cfg=SD14_SCHEDULER_CONFIG):
        self.cfg = cfg
        self.ac = alphas_cumprod(cfg)
        self.final_ac = torch.tensor(1.0) if cfg["set_alpha_to_one"] else self.ac[0]
        self.n_train = cfg["num_train_timesteps"]

    def set_timesteps(self, n):
        self.n = n
        ratio = self.n_train // n
        ts = (torch.arange(0, n) * ratio).round().long() + self.cfg["steps_offset"]
        self.timesteps = torch.cat([ts[:-1], ts[-2:-1], ts[-1:]]).flip(0)
        self.ets, self.counter, self.cur_sample = [], 0, None

    def _prev(self, sample, t, prev_t, eps):
        a_t = self.ac[t]
        a_prev = self.ac[prev_t] if prev_t >= 0 else self.final_ac
        b_t, b_prev = 1 - a_t, 1 - a_prev
        sample_coeff = (a_prev / a_t) ** 0.5
        denom = a_t * b_prev ** 0.5 + (a_t * b_t * a_prev) ** 0.5
        return sample_coeff * sample - (a_prev - a_t) * eps / denom

    def step(self, eps, t, sample):
        t = int(t)
        prev_t = t - self.n_train // self.n
        if self.counter != 1:
            self.ets = self.ets[-3:]
            self.ets.append(eps)
        else:
            prev_t = t
            t = t + self.n_train // self.n
        if len(self.ets) == 1 and self.counter == 0:
            self.cur_sample = sample
        elif len(self.ets) == 1 and self.counter == 1:
            eps = (eps + self.ets[-1]) / 2
            sample, self.cur_sample = self.cur_sample, None
        elif len(self.ets) == 2:
            eps = (3 * self.ets[-1] - self.ets[-2]) / 2
        elif len(self.ets) == 3:
            eps = (23 * self.ets[-1] - 16 * self.ets[-2] + 5 * self.ets[-3]) / 12
        else:
            eps = (1 / 24) * (55 * self.ets[-1] - 59 * self.ets[-2] + 37 * self.ets[-3] - 9 * self.ets[-4])
        out = self._prev(sample, t, prev_t, eps)
        self.counter += 1
        return out


def check_against_reference(path):
    """Replays the diffusers PNDM trajectories in the shared reference file."""
    import json
    import math
    data = json.load(open(path))
    worst, cases = 0.0, 0
    for case in data["cases"]:
        if case["scheduler"] != "PNDMScheduler" or case["config_overrides"]:
            continue
        s = PNDM({**SD14_SCHEDULER_CONFIG, **case["config"]})
        s.set_timesteps(case["num_inference_steps"])
        assert s.timesteps.tolist() == case["timesteps"], (s.timesteps.tolist(), case["timesteps"])
        x = torch.tensor(case["initial_sample"], dtype=torch.float32)
        for k, st in enumerate(case["steps"]):
            mo = torch.tensor([float(0.5 * float(v) + 0.1 * math.sin(k + float(v))) for v in x.tolist()], dtype=torch.float32)
            x = s.step(mo, st["t"], x)
            ref = torch.tensor(st["prev_sample"])
            worst = max(worst, float(((x - ref).abs() / ref.abs().clamp(min=1)).max()))
        cases += 1
    return cases, worst
