# shellcheck shell=bash
# Shared by the action's and the release workflow's scripts (sourced, not run).

# The SHA-256 of a file (or of standard input), on Linux, macOS and Git Bash for Windows.
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$@" | cut -d' ' -f1
  else
    shasum -a 256 "$@" | cut -d' ' -f1
  fi
}

# The release target for this runner (RUNNER_OS/RUNNER_ARCH); empty when none is published.
runner_target() {
  case "${RUNNER_OS:-}-${RUNNER_ARCH:-}" in
    Linux-X64) echo x86_64-unknown-linux-gnu ;;
    Linux-ARM64) echo aarch64-unknown-linux-gnu ;;
    macOS-X64) echo x86_64-apple-darwin ;;
    macOS-ARM64) echo aarch64-apple-darwin ;;
    Windows-X64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

# The release archive of a version and target: a .zip for Windows, a .tar.gz elsewhere.
archive_name() {
  case "$2" in
    *-windows-*) echo "factolint-$1-$2.zip" ;;
    *) echo "factolint-$1-$2.tar.gz" ;;
  esac
}

# Splits a string into words the way a shell would (quotes group, nothing is expanded or
# globbed) and prints them NUL-terminated. xargs does the quote handling.
split_words() {
  if [ -n "$(printf '%s' "$1" | tr -d ' \t\r\n')" ]; then
    printf '%s' "$1" | xargs printf '%s\0'
  fi
}
