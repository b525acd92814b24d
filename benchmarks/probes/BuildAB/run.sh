#!/usr/bin/env bash
# In-process A/B of this checkout against another (a git worktree of an older commit, say), for kernel changes whose
# effect is below BenchmarkDotNet's noise on a shared host and which BenchmarkDotNet cannot load side by side:
#   git worktree add /tmp/lipgen-old <commit>; bash benchmarks/probes/BuildAB/run.sh /tmp/lipgen-old EpochRun
# Workloads (Workload/Workloads.cs): EpochRun (a two-moons epoch), BackwardRun (100 batched backward passes of it),
# StepRunM (five training steps of M), BatchRunM and BatchRunL (a batch of 4 096 through M or L, one thread). It prints whether both builds computed the same result, and the time ratio.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
old="$1"; workload="${2:-EpochRun}"
tmp="$(mktemp -d)"
root="$(cd "$here/../../.." && pwd)"
old="$(cd "$old" && pwd)"
# A copy of the workload project for each build, so that their restore and intermediate files stay apart.
for side in this other; do
  mkdir -p "$tmp/$side-src"
  cp "$here/Workload/Workload.csproj" "$here/Workload/Workloads.cs" "$tmp/$side-src/"
done
dotnet build "$tmp/this-src/Workload.csproj" -c Release -o "$tmp/this" --nologo -v quiet -p:LipGenSource="$root"
dotnet build "$tmp/other-src/Workload.csproj" -c Release -o "$tmp/other" --nologo -v quiet -p:LipGenSource="$old"
dotnet run --project "$here/Harness" -c Release -- "$tmp/other" "$tmp/this" "$workload"
dotnet run --project "$here/Harness" -c Release -- "$tmp/this" "$tmp/other" "$workload"
