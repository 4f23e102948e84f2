"""Builds the ablation's README from runs/*/summary.json (tuning half first: the default was chosen there) and the
hand-written notes.md that reads the table."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
policies = {k: v for k, v in json.load(open(os.path.join(HERE, "policies.json"))).items() if not k.startswith("_")}
rows = []
for name in policies:
    path = os.path.join(HERE, "runs", name, "summary.json")
    if not os.path.exists(path):
        continue
    s = json.load(open(path))
    pick = lambda half: next(m for m in s[half] if m["method"] == "nudge")  # noqa: E731
    near = next(c for c in s["controls"] if c["method"] == "nudge")
    rows.append((name, pick("tune"), pick("report"), near, s["date"][:10]))


def pct(x):
    return "n/a" if x is None or x != x else f"{100 * x:.1f}%"


def ci(i):
    return f"{pct(i['value'])} [{100 * i['low']:.0f}, {100 * i['high']:.0f}]" if i["value"] == i["value"] else "n/a"


print("# Escape ablation (guidance 3, 8 seeds per memorized caption)\n")
print("Each row is one `nudge eval --seeds 8 --guidance 3 --methods nudge --policy runs/NAME/policy.json` run (`run.sh`;")
print("policies in `policies.json`). *copy* and *structure* are the memorized shares by the copy detector and by the")
print("colour-normalised structural measure; *subject* is the pixel oracle's colour-and-shape rate relative to the unmodified")
print("outputs of the same prompts and seeds (bootstrap 95% over captions). The default was chosen on the tuning half;")
print("the report half is shown beside it and was not used to choose.\n")
print("| policy | tune: copy | tune: structure | tune: subject (rel.) | tune: colour (rel.) | tune: triggered cost | report: copy | report: structure | report: subject (rel.) | controls changed | near-miss copies after |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for name, t, r, near, date in rows:
    print(f"| {name} | {ci(t['copy_share'])} | {ci(t['structure_share'])} | {ci(t['relative_colour_and_shape'])} | {pct(t['relative_colour']['value'])} | "
          f"{t['triggered_cost']:.2f}× | {ci(r['copy_share'])} | {ci(r['structure_share'])} | {ci(r['relative_colour_and_shape'])} | "
          f"{near['control_changed']}/{near['control_count']} | {near['near_miss_copies']}/{near['near_miss_count']} |")

notes = os.path.join(HERE, "notes.md")
if os.path.exists(notes):
    print()
    print(open(notes).read().strip())
