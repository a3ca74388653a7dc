#!/usr/bin/env bash
# JMH figures before and after a change, in one session (issue 8): builds benchmarks.jar at two git
# revisions of this repository, each in a temporary clone (offline Maven, tests not compiled), then
# runs the same JMH selection with both jars back to back and prints both tables and a side-by-side
# comparison. The clones and jars are removed at the end (KEEP=1 keeps them).
#
#   benchmarks/before-after.sh REV_BEFORE REV_AFTER [JMH args]
#   benchmarks/before-after.sh 4b35712 main 'MsiPathBenchmark|XenMsiBenchmark' -f 3 -wi 3 -i 5 -bm thrpt -tu us
#
# The JMH args go to both runs unchanged (a selection regex first, as JMH takes it); the script adds
# -rf csv -rff FILE itself. Environment: MVN (default "mvn -B -o -q"), TMPDIR, KEEP.
# On a shared machine the load changes between the runs: the script prints the load average before,
# between and after; trust a difference only well beyond both error bars.
set -euo pipefail

usage() {
    echo "usage: benchmarks/before-after.sh REV_BEFORE REV_AFTER [JMH args]" >&2
    exit 2
}
[[ $# -ge 2 ]] || usage
before_rev=$1
after_rev=$2
shift 2
jmh_args=("$@")

repo="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)"
mvn_cmd=${MVN:-"mvn -B -o -q"}
before_sha="$(git -C "$repo" rev-parse --verify --quiet "$before_rev^{commit}")" \
    || { echo "before-after: no commit '$before_rev' in $repo" >&2; exit 2; }
after_sha="$(git -C "$repo" rev-parse --verify --quiet "$after_rev^{commit}")" \
    || { echo "before-after: no commit '$after_rev' in $repo" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/before-after.XXXXXX")"
cleanup() {
    if [[ ${KEEP:-0} == 1 ]]; then
        echo "before-after: kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# Builds benchmarks.jar of commit $2 in a clone named $1 and copies it to $work/$1.jar.
build() {
    local label=$1 sha=$2 dir="$work/$1"
    echo "before-after: building $label ($sha) in $dir"
    # --shared: the clone borrows this repository's objects (nothing copied), so any commit here,
    # even one no branch names, can be checked out; the clone is independent of the work tree.
    git clone -q --shared --no-checkout "$repo" "$dir"
    git -C "$dir" -c advice.detachedHead=false checkout -q "$sha"
    # Only what the benchmarks need, no tests (the build of the revision is checked elsewhere);
    # nothing is installed into the shared local repository.
    (cd "$dir" && $mvn_cmd -pl benchmarks -am package -Dmaven.test.skip=true -DskipITs -Dtrapdoor.pit.skip=true) \
        > "$work/$label-build.log" 2>&1 \
        || { tail -40 "$work/$label-build.log" >&2; echo "before-after: the build of $label failed" >&2; exit 1; }
    cp "$dir/benchmarks/target/benchmarks.jar" "$work/$label.jar"
}

build before "$before_sha"
build after "$after_sha"

load() {
    cut -d' ' -f1-3 /proc/loadavg
}

# Runs one jar; its JMH output goes to the terminal and to a log, its results to a CSV.
run() {
    local label=$1
    echo
    echo "==== $label ($(git -C "$repo" log -1 --format='%h %s' "${2}" | cut -c1-100)); load $(load)"
    java -jar "$work/$label.jar" "${jmh_args[@]}" -rf csv -rff "$work/$label.csv" 2>&1 | tee "$work/$label.log"
}

start=$(date -u +%FT%TZ)
run before "$before_sha"
run after "$after_sha"

# JMH's own summary table of each run (from "Benchmark  Mode ..." to the end).
table() {
    awk '/^Benchmark +(\(.*\) +)*Mode +Cnt +Score/ {on = 1} /^Benchmark result is saved/ {on = 0} on' "$work/$1.log"
}

echo
echo "==== before-after: $before_rev ($before_sha) -> $after_rev ($after_sha), started $start, load now $(load)"
echo "JMH args: ${jmh_args[*]:-(defaults)}"
echo
echo "-- before: $before_rev"
table before
echo
echo "-- after: $after_rev"
table after
echo
echo "-- side by side (after/before: > 1 is more throughput or more time per op, as the unit says)"
# The CSVs' columns: Benchmark, Mode, Threads, Samples, Score, Score Error, Unit, then one per parameter.
python3 - "$work/before.csv" "$work/after.csv" <<'EOF'
import csv, sys

def rows(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        head = next(r)
        out = {}
        for row in r:
            params = ",".join(f"{h.removeprefix('Param: ')}={v}" for h, v in zip(head[7:], row[7:]) if v)
            key = row[0].removeprefix("org.trapdoor.benchmarks.") + (f" ({params})" if params else "")
            out[key] = (float(row[4]), row[5], row[6])
        return out

b, a = rows(sys.argv[1]), rows(sys.argv[2])
keys = list(b) + [k for k in a if k not in b]
width = max(len(k) for k in keys) if keys else 10
print(f"{'benchmark':<{width}}  {'before':>22}  {'after':>22}  {'after/before':>12}  unit")
for k in keys:
    def cell(d):
        if k not in d:
            return "-"
        s, e, _ = d[k]
        return f"{s:.3f} ± {float(e):.3f}" if e not in ("", "NaN") else f"{s:.3f}"
    ratio = f"{a[k][0] / b[k][0]:.3f}" if k in a and k in b and b[k][0] else "-"
    unit = (b.get(k) or a.get(k))[2]
    print(f"{k:<{width}}  {cell(b):>22}  {cell(a):>22}  {ratio:>12}  {unit}")
EOF
