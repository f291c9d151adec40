#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The action's SARIF file, for GitHub code scanning (which keeps every finding).
set -uo pipefail
set -f
. "$(dirname "$0")/action-args.sh" >/dev/null  # its warnings were shown by the check step

status=0
factolint_check --format sarif > "${FACTOLINT_SARIF:-factolint.sarif}" || status=$?
# 1 only means findings; 2 means no usable report.
if [ "$status" -ge 2 ]; then exit "$status"; fi
