#!/usr/bin/env bash
# Runs on the lent host (no .NET; PyTorch 2.x and Python there), from the repository root, after prepare.sh here:
#   run(command="bash benchmarks/LipGen.HostBench/host-run.sh", carry=["benchmarks/LipGen.HostBench/out"])
# Everything in one call, results under $OUT (or ./host-results): the machine, then the AVX-512 and AVX2 builds of the
# harness in two interleaved passes each (the host's speed moves between minutes), then PyTorch on the same networks;
# at most 9 minutes however slow the host is (each step has its own timeout), under a device call's 10.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${OUT:-$PWD/host-results}"
mkdir -p "$out"
{ lscpu; nproc; free -g; } > "$out/machine.txt" 2>&1
for pass in 1 2; do
  for isa in x86-64-v4 x86-64-v3; do
    timeout 90 "$here/out/$isa/LipGen.HostBench" --rounds 5 > "$out/lipgen-$isa-pass$pass.tsv" 2> "$out/lipgen-$isa-pass$pass.err"
    echo "$isa pass $pass: exit $?"
  done
done
# The first Python that has PyTorch and NumPy (a PATH's python3 may be another than the system's).
python=""
for candidate in python3 /usr/bin/python3 /usr/local/bin/python3 python; do
  if command -v "$candidate" > /dev/null && "$candidate" -c "import torch, numpy" 2> /dev/null; then python="$candidate"; break; fi
done
if [ -n "$python" ]; then
  timeout 180 "$python" "$here/../pytorch/bench.py" "$here/out/peers" > "$out/pytorch.txt" 2>&1
  echo "pytorch ($python): exit $?"
else
  echo "pytorch: no Python with torch and numpy found" | tee "$out/pytorch.txt"
fi
