#!/usr/bin/env bash
# Builds what host-run.sh needs on a host without .NET, into benchmarks/LipGen.HostBench/out (ignored by git; carry it):
# the harness as NativeAOT for x86-64-v4 (AVX-512) and x86-64-v3 (AVX2), and the peers' export for benchmarks/pytorch/bench.py.
# A NativeAOT build needs an explicit instruction set: without one it runs the 128-bit paths.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
out="$here/out"
rm -rf "$out"
for isa in x86-64-v4 x86-64-v3; do
  dotnet publish "$here/LipGen.HostBench.csproj" -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet="$isa" \
    -o "$out/$isa" --nologo -v quiet
done
find "$out" \( -name "*.dbg" -o -name "*.pdb" -o -name "*.xml" \) -delete # symbols: not needed there, and they would triple what is carried
dotnet run -c Release --project "$root/benchmarks/LipGen.Benchmarks" -- --export-peers "$out/peers"
du -sh "$out"
