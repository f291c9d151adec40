# shellcheck shell=bash source-path=SCRIPTDIR
# The action's inputs as word arrays (sourced by action-check.sh and action-sarif.sh).
#
# FACTOLINT_PATHS and FACTOLINT_ARGS are split like shell words: quotes keep a path with
# spaces together, nothing is expanded or globbed. The action chooses the output format, so
# a `--format` in the user's args is dropped with a warning instead of making factolint fail
# ("cannot be used multiple times").

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

paths=()
while IFS= read -r -d '' word; do paths+=("$word"); done < <(split_words "${FACTOLINT_PATHS:-.}")
[ "${#paths[@]}" -gt 0 ] || paths=(.)

user_args=()
dropping_value=false
while IFS= read -r -d '' word; do
  if $dropping_value; then
    dropping_value=false
    continue
  fi
  case "$word" in
    --format)
      dropping_value=true
      echo "::warning::factolint action: ignoring '--format' in args; the action sets the output format"
      ;;
    --format=*)
      echo "::warning::factolint action: ignoring '$word' in args; the action sets the output format"
      ;;
    *) user_args+=("$word") ;;
  esac
done < <(split_words "${FACTOLINT_ARGS:-}")

# Runs factolint check with the user's arguments and the paths ("${a[@]}" of an empty array
# is an error under set -u in the bash 3.2 of macOS runners, hence the ${a[@]+...} form).
factolint_check() {
  factolint check "$@" ${user_args[@]+"${user_args[@]}"} -- "${paths[@]}"
}
