# Sourced by the conversion scripts beside it (after `set -euo pipefail`):
# `here` is the photo crate, `work` a scratch directory removed on exit, and
# a fresh Python venv in it is activated, so nothing is installed elsewhere.
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
# shellcheck disable=SC1091
. "$work/venv/bin/activate"
