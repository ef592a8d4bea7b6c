#!/usr/bin/env bash
# Regenerates the screenshots in docs/images from the real inspector and the
# real sandbox dashboard, driven in headless Chromium (Debian's chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
ERZYCALL_SCREENSHOTS=docs/images go test -count=1 -run '^TestScreenshots$' -v ./internal/webui
