#!/usr/bin/env bash
# Re-fetches the console's vendored front-end assets from the npm registry at their pinned
# versions and checks them against the digests in crates/gobiz-http/assets/vendor/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=crates/gobiz-http/assets/vendor
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent htmx.org@2.0.11 htmx-ext-sse@2.2.4 >/dev/null)
mkdir -p "$TMP/htmx" "$TMP/sse"
tar xzf "$TMP/htmx.org-2.0.11.tgz" -C "$TMP/htmx"
tar xzf "$TMP/htmx-ext-sse-2.2.4.tgz" -C "$TMP/sse"
cp "$TMP/htmx/package/dist/htmx.min.js" "$DEST/htmx-2.0.11.min.js"
cp "$TMP/htmx/package/LICENSE" "$DEST/htmx.LICENSE"
cp "$TMP/sse/package/dist/sse.min.js" "$DEST/htmx-ext-sse-2.2.4.min.js"
cp "$TMP/sse/package/LICENSE" "$DEST/htmx-ext-sse.LICENSE"
(cd "$DEST" && sha256sum -c <<SUMS
d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717  htmx-2.0.11.min.js
98a46496de0c3605fbffdce9167ba427bdd9553184f83f149c261891a92c0136  htmx-ext-sse-2.2.4.min.js
SUMS
)
