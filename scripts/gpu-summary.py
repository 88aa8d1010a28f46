"""Markdown summary of a scripts/gpu-session.sh results folder (RES), printed to stdout: phases and
their times, adapter, bench table, pre-training held-out greedy accuracy per op with the op 2-4
ratio to the most frequent answer (the issue 4 bar: at least 2x), GRPO reward per step (the issue 5
bar: rising), pass@k of base / mid-trained / RL, fingerprint distance, HF check. Whatever a phase
did not write is reported as missing, never guessed.

usage: python3 scripts/gpu-summary.py RES
"""
import json
import os
import sys

RES = sys.argv[1]


def path(name):
    return os.path.join(RES, name)


def rows(name):
    try:
        return [json.loads(l) for l in open(path(name)) if l.startswith("{")]
    except OSError:
        return []


def load(name):
    try:
        return json.load(open(path(name)))
    except (OSError, ValueError):
        return None


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}%"


out = ["# GPU session results", ""]
try:
    out += ["| phase | exit | seconds | limit |", "| --- | --- | --- | --- |"]
    for line in open(path("phases.tsv")):
        name, rc, s, limit = line.split()
        out.append(f"| {name} | {rc}{' (time limit)' if rc == '124' else ''} | {s} | {limit} |")
except OSError:
    out.append("no phase ran")
out.append("")

bench = load("bench-gpu.json")
if bench:
    a = bench["adapter"]
    out += [f"Adapter: {a.get('name')} ({a.get('vendor')}, {a.get('architecture')}, {a.get('description')}); "
            f"features {', '.join(a.get('features', []))}. Peer: {bench['peer']}.", ""]
    out += ["| part | case | ours | peers |", "| --- | --- | --- | --- |"]
    for r in bench["rows"]:
        fmt = (lambda x: f"{x:.3g}") if r["unit"] == "TFLOP/s" else (lambda x: f"{x:.3f}") if r["unit"] == "x" else (lambda x: f"{x:.0f}")
        ours = f"{fmt(r['ours'])} {r['unit']}" if r.get("ours") is not None else f"failed: {r.get('error')}"
        peers = "; ".join(f"{p['setting']} {fmt(p['value'])}" if p.get("value") is not None else f"{p['setting']}: {p.get('reason')}" for p in r["peers"])
        out.append(f"| {r['part']} | {r['case']} | {ours} | {peers or r.get('note', '')} |")
    out.append(f"\nbench {'complete' if bench.get('done') else 'cut short'} in {bench['seconds']:.0f} s")
else:
    out.append("bench: no results")
out.append("")


def held_out(stage):
    done = [r for r in rows(f"{stage}.jsonl") if r.get("done")]
    evals = [r for r in rows(f"{stage}.jsonl") if "accuracy" in r]
    steps = [r for r in rows(f"{stage}.jsonl") if "tokens_per_s" in r]
    return (done[-1] if done else None), (evals[-1] if evals else None), (steps[-1] if steps else None)


for stage in ("pretrain", "midtrain"):
    done, ev, last = held_out(stage)
    if last:
        out.append(f"{stage}: {last['tokens']} tokens in {last['step']} steps, loss {last['loss']:.3f}, {last['tokens_per_s']} tokens/s"
                   + ("" if done else " (did not finish)"))
    if ev:
        ops = sorted(ev["accuracy"], key=int)
        out += ["", "| op | " + " | ".join(ops) + " |", "| --- |" + " --- |" * len(ops),
                "| greedy accuracy | " + " | ".join(pct(ev["accuracy"][o]) for o in ops) + " |",
                "| most frequent answer | " + " | ".join(pct(ev["majority"][o]) for o in ops) + " |"]
        easy = [o for o in ("2", "3", "4") if o in ev["judged"]]
        n = sum(ev["judged"][o] for o in easy)
        if n:
            acc = sum(ev["accuracy"][o] * ev["judged"][o] for o in easy) / n
            maj = sum(ev["majority"][o] * ev["judged"][o] for o in easy) / n
            ratio = f"{acc / maj:.2f}x" if maj else "n/a"
            out.append(f"\nop 2-4 ({n} problems): accuracy {pct(acc)}, most frequent answer {pct(maj)}: {ratio} (bar: 2x)")
    elif stage == "pretrain":
        out.append(f"{stage}: no held-out evaluation")
    out.append("")

cal = load("calibration.json")
if cal:
    out.append(f"calibration: RL range {cal.get('range')} ({cal.get('reason', '')})")
rl = [r for r in rows("rl.jsonl") if "reward_mean" in r]
if rl:
    out.append("GRPO reward_mean per step: " + ", ".join(f"{r['reward_mean']:.3f}" for r in rl))
    k = max(1, len(rl) // 4)
    first, last = sum(r["reward_mean"] for r in rl[:k]) / k, sum(r["reward_mean"] for r in rl[-k:]) / k
    out.append(f"first {k} steps {first:.3f}, last {k} steps {last:.3f}: {'rising' if last > first else 'not rising'} (bar: rising)")
out.append("")
evals = [("base", load("eval-base.json")), ("midtrain", (cal or {}).get("evaluation")), ("rl", load("eval-rl.json"))]
evals = [(n, e) for n, e in evals if e]
if evals:
    out += ["| model | split | pass@1 | pass@n | strict pass@n |", "| --- | --- | --- | --- | --- |"]
    for name, e in evals:
        for split, g in e["aggregates"]["splits"].items():
            n = max(g["passOutcome"], key=int)
            out.append(f"| {name} | {split} | {pct(g['passOutcome']['1'])} | {pct(g['passOutcome'][n])} (n={n}) | {pct(g['passProcess'][n])} |")
    out.append("")
cmp = rows("repro-compare.jsonl")
if cmp:
    out.append("fingerprint vs lavapipe: " + json.dumps(cmp[-1]))
hf = rows("hf-check.jsonl")
out.append("HF check: " + (json.dumps(hf[-1]) if hf else open(path("hf-check.log")).read().strip() if os.path.exists(path("hf-check.log")) else "not run"))
print("\n".join(out))
