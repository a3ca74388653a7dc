#!/usr/bin/env python3
"""Ratios of JMH results from one run's JSON (java -jar benchmarks.jar ... -rf json -rff r.json).

    python3 benchmarks/jmh-ratio.py r.json [NUMERATOR DENOMINATOR]...

Each pair names two benchmark methods of one class (default: MsiPathBenchmark's
composed/handWired and composed/composedTraceFolded). For every parameter combination the two
share, prints the ratio of their scores (throughput: numerator / denominator; average time: the
inverse, so a ratio is always "how fast numerator runs relative to denominator") with:
- the ratio's error, the two scores' JMH errors (99.9 %) combined as relative errors;
- the median and range of the ratios of every pair of iterations taken from the same fork
  index, the spread a reader should trust when the machine was loaded;
- each score with its error and the number of forks and iterations behind it.
Stdlib only.
"""
import json
import math
import statistics
import sys

DEFAULT_PAIRS = [("composed", "handWired"), ("composed", "composedTraceFolded"),
                 ("composedTraceVolatile", "composedTraceFolded")]


def key(result):
    return tuple(sorted((result.get("params") or {}).items()))


def method(result):
    return result["benchmark"].rsplit(".", 1)[1]


def cls(result):
    return result["benchmark"].rsplit(".", 1)[0].rsplit(".", 1)[1]


def faster(score_a, score_b, mode):
    """How fast a runs relative to b: throughput a/b, time per op b/a."""
    return score_a / score_b if mode == "thrpt" else score_b / score_a


def main(argv):
    if len(argv) < 2 or len(argv) % 2 != 0:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        results = json.load(f)
    pairs = [(argv[i], argv[i + 1]) for i in range(2, len(argv), 2)] or DEFAULT_PAIRS
    by = {}
    for r in results:
        by[(cls(r), method(r), key(r))] = r
    printed = 0
    for (c, m, k), a in sorted(by.items()):
        for num, den in pairs:
            if m != num or (c, den, k) not in by:
                continue
            b = by[(c, den, k)]
            mode = a["mode"]
            sa, sb = a["primaryMetric"]["score"], b["primaryMetric"]["score"]
            ea, eb = a["primaryMetric"]["scoreError"], b["primaryMetric"]["scoreError"]
            ratio = faster(sa, sb, mode)
            rel = math.sqrt(sum((e / s) ** 2 for e, s in ((ea, sa), (eb, sb)) if s and not math.isnan(e)))
            ra, rb = a["primaryMetric"]["rawData"], b["primaryMetric"]["rawData"]
            per = [faster(x, y, mode) for fa, fb in zip(ra, rb) for x, y in zip(fa, fb)]
            params = " ".join(f"{p}={v}" for p, v in k) or "-"
            unit = a["primaryMetric"]["scoreUnit"]
            print(f"{c} {num}/{den} [{params}]: {ratio:.3f} ± {ratio * rel:.3f}"
                  + (f"  (paired iterations: median {statistics.median(per):.3f}, "
                     f"range {min(per):.3f}..{max(per):.3f}, n={len(per)})" if per else ""))
            print(f"    {num} {sa:.3f} ± {ea:.3f} {unit} ({len(ra)} forks x {len(ra[0]) if ra else 0}),"
                  f" {den} {sb:.3f} ± {eb:.3f} {unit} ({len(rb)} forks x {len(rb[0]) if rb else 0})")
            printed += 1
    if not printed:
        print("no pair of the named benchmarks with the same parameters in " + argv[1], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
