"""How validation time grows with the size of a case: measured, not asserted.

Builds ladder-shaped cases of 50 to 5,000 scenes (each scene offers two ways on, so the
number of paths grows exponentially while the graph grows linearly) and times
``check_bytes`` on each. Linear checks give a time per scene that stays flat; any check
that enumerated paths would explode long before 5,000 scenes. Prints a table and writes
``benchmarks/results/validate_speed.json``. Figures are compared as ratios within one run.

    .venv/bin/python benchmarks/validate_speed.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from casework.case_checks import CaseChecker
from casework.scenario import Case
from casework.testing.servers import write_results
from casework.upgrade import upgrade
from casework.validate import check_bytes
from casework.yaml_lines import collector_paused, read_yaml

ROOT = Path(__file__).parents[1]
SIZES = (50, 500, 2000, 5000)
REPEATS = 3


def ladder_case(scenes: int) -> str:
    demo = (ROOT / "cases" / "demo.yaml").read_text(encoding="utf-8")
    head = demo.split("start: first_visit")[0]
    lines = ["start: s0", "scenes:"]
    for i in range(scenes):
        a = f"s{i + 1}" if i + 1 < scenes else "held"
        b = f"s{i + 2}" if i + 2 < scenes else "held"
        lines += [
            f"  - id: s{i}",
            f"    time: {i // 50}",
            f"    title: Scene {i}",
            "    setting: Somewhere.",
            "    narrative: Something happens that needs a decision.",
            "    choices:",
        ]
        for choice, target, push in (("a", a, 3), ("b", b, -3)):
            lines += [
                f"      - id: {choice}",
                "        label: Go on",
                "        consequence: Something follows.",
                f"        effects: {{trust: {push}, fear: {-push}}}",
                "        concepts: [reliability]",
                "        evidence: [{source: ferguson, locator: Reliability}]",
                f"        next: {target}",
            ]
    lines += [
        "endings:",
        "  - id: held",
        f"    time: {scenes // 50 + 1}",
        "    title: End",
        "    kind: end",
        "    narrative: The work ends.",
        "    debrief: What was learnt.",
    ]
    return head + "\n".join(lines) + "\n"


def main() -> None:
    rows = []
    for size in SIZES:
        raw = ladder_case(size).encode()
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            scenario, problems = check_bytes(f"ladder{size}.yaml", raw)
            times.append(time.perf_counter() - started)
            assert scenario is not None and not problems, problems[:3]
        best = min(times)
        with collector_paused():
            started = time.perf_counter()
            data, _ = upgrade(read_yaml("x.yaml", raw))
            read = time.perf_counter() - started
            started = time.perf_counter()
            case = Case.model_validate(data)
            schema = time.perf_counter() - started
            started = time.perf_counter()
            CaseChecker("x.yaml", data, case).run()
            graph = time.perf_counter() - started
        rows.append(
            {
                "scenes": size,
                "bytes": len(raw),
                "seconds_best": round(best, 4),
                "seconds_median": round(statistics.median(times), 4),
                "microseconds_per_scene": round(best / size * 1e6, 1),
                "stage_seconds": {
                    "read_yaml": round(read, 4),
                    "schema": round(schema, 4),
                    "graph_checks": round(graph, 4),
                },
            }
        )
    base = rows[0]["microseconds_per_scene"]
    for row in rows:
        row["per_scene_ratio_to_smallest"] = round(row["microseconds_per_scene"] / base, 2)
    print(
        f"{'scenes':>7} {'KB':>8} {'best s':>8} {'median s':>9} {'µs/scene':>9} {'ratio':>6}"
        f" {'read s':>7} {'schema s':>8} {'graph s':>7}"
    )
    for row in rows:
        print(
            f"{row['scenes']:>7} {row['bytes'] / 1024:>8.0f} {row['seconds_best']:>8.3f} "
            f"{row['seconds_median']:>9.3f} {row['microseconds_per_scene']:>9.1f} "
            f"{row['per_scene_ratio_to_smallest']:>6.2f} "
            f"{row['stage_seconds']['read_yaml']:>7.3f} {row['stage_seconds']['schema']:>8.3f} "
            f"{row['stage_seconds']['graph_checks']:>7.3f}"
        )
    out = ROOT / "benchmarks" / "results" / "validate_speed.json"
    write_results(
        out,
        {
            "benchmark": "validate_speed",
            "python": sys.version.split()[0],
            "repeats": REPEATS,
            "rows": rows,
        },
    )
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
