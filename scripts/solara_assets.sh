#!/usr/bin/env bash
# Fill Solara's front-end asset cache from the npm registry, for machines that cannot reach its CDN.
# Usage: scripts/solara_assets.sh DIR ; then export SOLARA_ASSETS_PROXY_CACHE_DIR=DIR
# (On a machine with internet access nothing is needed: Solara fetches and caches them itself.)
set -euo pipefail
cache="${1:?usage: $0 CACHE_DIR}"
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# mermaid and katex: loaded by solara.Markdown (diagrams, formulas)
for spec in @widgetti/solara-vuetify-app@10.1.1 requirejs@2.3.6 font-awesome@4.5.0 @widgetti/vue-grid-layout@2.3.13-alpha.2 mermaid@10.8.0 katex@0.16.9; do
  target="$cache/$spec"
  if [ -d "$target" ] && [ -n "$(ls -A "$target")" ]; then continue; fi
  tarball=$(cd "$work" && npm pack "$spec" --silent | tail -n 1)
  mkdir -p "$target"
  tar -xzf "$work/$tarball" -C "$target" --strip-components=1
done
echo "$cache"
