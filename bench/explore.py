"""Benchmark: exploring the example flows completely, on one core.

For each example flow, explores every distinct path (``vxmlkit explore``'s search, in-process)
and prints the paths, states, endings and the time taken; then the paths explored per second
over all five. Times are CPU seconds of this process (on a shared machine, wall-clock time
counts the other processes' work too; both are printed). Each flow is explored ``--rounds``
times and the best round is kept.

    python bench/explore.py [--rounds 3]

Goal: each example flow explored completely in under 1 s, all five in under 3 s.
"""

from __future__ import annotations

import argparse
import tempfile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from vxmlkit.app import create_app, example_flows
    from vxmlkit.explore import explore_flow

    folder = tempfile.mkdtemp(prefix="vxmlkit-bench-")
    app = create_app({"VXMLKIT_SECRET_KEY": "bench", "VXMLKIT_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3"})
    explore_flow(app, "payment-reminder")  # warm up: templates compiled, schema loaded
    total_paths = 0
    total_seconds = total_wall = 0.0
    print(f"{'flow':<22} {'paths':>6} {'edges':>6} {'states':>7} {'endings':>8} {'complete':>9} {'cpu s':>7} {'wall s':>7}")
    for flow in example_flows():
        best = None
        for _ in range(args.rounds):
            graph = explore_flow(app, flow.name)
            if best is None or graph.cpu_seconds < best.cpu_seconds:
                best = graph
        assert best is not None
        total_paths += best.paths
        total_seconds += best.cpu_seconds
        total_wall += best.seconds
        print(f"{flow.name:<22} {best.paths:>6} {len(best.edges):>6} {len(best.states):>7} {len(best.endings):>8} "
              f"{'yes' if best.complete else 'NO':>9} {best.cpu_seconds:>7.3f} {best.seconds:>7.3f}")
    print(f"all five: {total_paths} paths in {total_seconds:.2f} CPU s ({total_wall:.2f} s wall)"
          " (goal < 3 s; each flow < 1 s)")
    print(f"paths explored per second: {total_paths / total_seconds:.0f}")


if __name__ == "__main__":
    main()
