#!/usr/bin/env bash
# Start-up figures as README's "Start-up" note gives them: runs `java -version`, then
# ./trapdoor -c lspci and ./trapdoor -c "xl list", interleaved, N times (default 5), and prints for
# each the median wall time, the median CPU time (user + system, all threads) and the peak RSS,
# with the ratio to `java -version` measured in the same run (so under the same load).
# Extra variants can be given as 'LABEL::COMMAND' arguments (e.g. an older jar to compare).
#   launcher/startup-bench.sh [N] ['label::command' ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-5}"; shift || true
"$root/trapdoor" -c "xl list" >/dev/null # builds if needed, and dumps the AppCDS archive on first use
variants=("java -version::java -version" "lspci::'$root/trapdoor' -c lspci" "xl list::'$root/trapdoor' -c 'xl list'" "$@")
declare -A wall cpu rss
t="$(mktemp)"
for ((i = 0; i < n; i++)); do
    for v in "${variants[@]}"; do
        label="${v%%::*}"
        /usr/bin/time -o "$t" -f "%e %U %S %M" bash -c "${v#*::}" >/dev/null 2>&1 </dev/null
        read -r w u s m < <(tail -1 "$t")
        wall[$label]+="$w "
        cpu[$label]+="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }') "
        rss[$label]="$m"
    done
done
rm -f "$t"
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
base="$(echo "${wall[java -version]}" | median)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $n runs each, interleaved"
for v in "${variants[@]}"; do
    label="${v%%::*}"
    w="$(echo "${wall[$label]}" | median)"
    printf '%-14s wall %5.2f s (%4.1fx java -version)  cpu %5.2f s  peak RSS %4d MB   walls: %s\n' "$label" "$w" \
        "$(awk -v a="$w" -v b="$base" 'BEGIN { print a / b }')" "$(echo "${cpu[$label]}" | median)" \
        "$((${rss[$label]} / 1024))" "${wall[$label]}"
done
