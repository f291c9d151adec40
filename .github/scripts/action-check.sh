#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The action's check: annotations (`--format github`), then a summary line in the log (also
# on a clean run), counts per rule in the job summary, and the outputs exit-code, errors,
# warnings and infos. The counts come from a second run with `--format json`, whose document
# ({"diagnostics": [...], "summary": {...}}) is factolint's stable JSON contract.
set -uo pipefail
set -f
. "$(dirname "$0")/action-args.sh"

# "1 file", "2 files".
count() {
  if [ "$1" -eq 1 ]; then echo "$1 $2"; else echo "$1 $2s"; fi
}

status=0
factolint_check --format github || status=$?
echo "exit-code=$status" >> "$GITHUB_OUTPUT"

report="${RUNNER_TEMP:-/tmp}/factolint-report.json"
factolint_check --format json > "$report" 2>/dev/null
if [ "$status" -ge 2 ]; then
  line="factolint failed (exit code $status): see the messages above"
  table=""
elif ! command -v jq >/dev/null 2>&1 || ! jq -e '.summary.files' "$report" >/dev/null 2>&1; then
  line="factolint: exit code $status (no counts: jq is not installed or the report is not JSON)"
  table=""
else
  read -r files errors warnings infos < <(jq -r '.summary | "\(.files) \(.errors) \(.warnings) \(.infos)"' "$report")
  total=$((errors + warnings + infos))
  if [ "$total" -eq 0 ]; then
    line="factolint: no findings in $(count "$files" file)"
  else
    line="factolint: $(count "$total" finding) in $(count "$files" file): $(count "$errors" error), $(count "$warnings" warning), $(count "$infos" info)"
  fi
  {
    echo "errors=$errors"
    echo "warnings=$warnings"
    echo "infos=$infos"
  } >> "$GITHUB_OUTPUT"
  # One row per rule and level (a config can give one rule different levels in different files).
  table=$(jq -r '
    [.diagnostics[] | {code, rule, severity}]
    | group_by([.code, .severity])
    | map("| \(.[0].code) | \(.[0].rule) | \(.[0].severity) | \(length) |")
    | .[]' "$report")
fi

echo "$line"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "### factolint"
    echo
    echo "$line"
    if [ -n "$table" ]; then
      echo
      echo "| code | rule | level | findings |"
      echo "| --- | --- | --- | ---: |"
      echo "$table"
    fi
  } >> "$GITHUB_STEP_SUMMARY"
fi
exit 0
