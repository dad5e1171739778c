"""What was tried against the course, and what was lost: counts for the README.

Runs, in one go: the validator against byte-level and structural mutations of a valid
case file and random bytes (counting inputs, problems reported and crashes), and the
journey store under 50 simulated learners (processes) writing for a minute (counting
sessions, saves, lock errors that reached a learner, and rows lost or mixed up). The
browser faults (killed kernel, restarted server, hostile reflections) are exercised by
tests/test_faults.py. Prints a table and writes benchmarks/results/reliability.json.

    .venv/bin/python benchmarks/reliability.py [--seconds 60] [--learners 50]
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing
import random
import tempfile
from pathlib import Path

import yaml

from casework.catalog import load_case
from casework.store import JourneyStore
from casework.testing import simulate_learner
from casework.testing.servers import write_results
from casework.validate import check_bytes

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "cases" / "demo.yaml"


def fuzz(count: int, seed: int = 7) -> dict[str, int]:
    chooser = random.Random(seed)
    raw = DEMO.read_bytes()
    lines = raw.splitlines(keepends=True)
    base = yaml.safe_load(raw)
    tried = reported = crashed = 0
    for number in range(count):
        kind = number % 3
        if kind == 0:  # random bytes
            data = bytes(chooser.randrange(256) for _ in range(chooser.randrange(1, 400)))
        elif kind == 1:  # a line dropped, doubled, or cut short
            mutated = list(lines)
            i = chooser.randrange(len(mutated))
            if chooser.random() < 0.5:
                del mutated[i]
            else:
                mutated.insert(i, mutated[i][: chooser.randrange(len(mutated[i]) + 1)])
            data = b"".join(mutated)
        else:  # a value of the wrong kind somewhere
            case = copy.deepcopy(base)
            scene = chooser.choice(case["scenes"])
            field = chooser.choice(list(scene))
            scene[field] = chooser.choice([None, 42, "text", [1, 2], {"a": 1}, -1e9, True])
            data = yaml.dump(case, Dumper=yaml.CSafeDumper).encode()
        tried += 1
        try:
            _, problems = check_bytes("fuzzed.yaml", data)
            reported += bool(problems)
        except Exception:
            crashed += 1
    return {"inputs": tried, "with_problems_reported": reported, "crashes": crashed}


def _learner(args: tuple[str, int, float]) -> dict[str, object]:
    return simulate_learner(*args)


def soak(seconds: float, learners: int) -> dict[str, int]:
    folder = Path(tempfile.mkdtemp(prefix="casework-soak-"))
    url = f"sqlite:///{folder / 'soak.sqlite'}"
    JourneyStore(url).close()
    with multiprocessing.get_context("fork").Pool(learners) as pool:
        reports = pool.map(_learner, [(url, seed, seconds) for seed in range(learners)])
    store = JourneyStore(url)
    scenario = load_case("demo")
    lost = 0
    sessions = 0
    for report in reports:
        for token, expected in report["finished"].items():  # type: ignore[union-attr]
            sessions += 1
            loaded = store.load(token, scenario)
            if loaded is None or (loaded.path(), loaded.reflections) != (
                expected["path"],
                expected["reflections"],
            ):
                lost += 1
    store.close()
    return {
        "learners": learners,
        "seconds": int(seconds),
        "sessions": sessions,
        "saves": sum(int(r["saves"]) for r in reports),  # type: ignore[call-overload]
        "lock_errors_reaching_a_learner": sum(int(r["errors"]) for r in reports),  # type: ignore[call-overload]
        "sessions_lost_or_mixed_up": lost,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--fuzz", type=int, default=3000)
    args = parser.parse_args()
    results = {"fuzz": fuzz(args.fuzz), "store": soak(args.seconds, args.learners)}
    print(f"{'what':<45} {'count':>10}")
    for group, figures in results.items():
        for name, value in figures.items():
            print(f"{group + ': ' + name.replace('_', ' '):<45} {value:>10,}")
    out = ROOT / "benchmarks" / "results" / "reliability.json"
    write_results(out, results)
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
