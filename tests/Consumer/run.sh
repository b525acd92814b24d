#!/usr/bin/env bash
# The consumer test: pack LipGen into a local feed, install it into a fresh project outside the repository (its own
# nuget.config, its own package cache), build and run it, then check that a declaration error shows its LIPG diagnostic.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="${TMPDIR:-/tmp}/lipgen-consumer"
rm -rf "$work"
mkdir -p "$work/feed"
cp "$repo/tests/Consumer/Consumer.csproj" "$repo/tests/Consumer/Program.cs" "$repo/tests/Consumer/nuget.config" "$work/"

version="$(dotnet msbuild "$repo/runtime/LipGen/LipGen.csproj" -getProperty:Version)"
dotnet pack "$repo/runtime/LipGen/LipGen.csproj" -c Release -o "$work/feed" --nologo
export NUGET_PACKAGES="$work/packages"   # a cache of its own: never a stale copy of the same version

cd "$work"
dotnet build -c Release -p:LipGenVersion="$version" --nologo 2>&1 | tee build.log
if grep -q "warning" build.log; then echo "consumer: the build has warnings"; exit 1; fi
dotnet run -c Release --no-build -- "$work/feed/LipGen.$version.nupkg"

# A mistake in a declaration: the build fails with the analyzer's diagnostic on the offending argument.
cat > Mistake.cs <<'CS'
[LipGen.LipschitzNetwork(2, 6, 1, GroupSize = 4)]
public partial class Mistaken;
CS
if dotnet build -c Release -p:LipGenVersion="$version" --nologo > mistake.log 2>&1; then
  echo "consumer: a declaration error built without an error"; exit 1
fi
grep -q "Mistake.cs(1,35): error LIPG008" mistake.log || { cat mistake.log; echo "consumer: LIPG008 was not reported on GroupSize"; exit 1; }
echo "consumer: the declaration error shows LIPG008 on its argument"
