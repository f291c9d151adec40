#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The action's first step: puts a prebuilt factolint on PATH when there is one to use, and
# otherwise says so (installed=false), leaving the build from source to the next steps.
#
# A prebuilt release is used when the `version` input names one, or when the action itself
# is used at a release tag (`uses: owner/factolint@v0.1.0`). Any other ref (a branch, a
# commit) is built from the action's own source, so the code that runs is the code at that ref.
set -euo pipefail
. "$(dirname "$0")/common.sh"

source_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$GITHUB_ACTION_PATH/Cargo.toml" | head -n 1)
# github.action_ref/action_repository can be empty inside composite actions; the action's
# folder is .../_actions/<owner>/<repository>/<ref> on GitHub's runners.
ref=${ACTION_REF:-$(basename "$GITHUB_ACTION_PATH")}
repository=${ACTION_REPOSITORY:-$(basename "$(dirname "$(dirname "$GITHUB_ACTION_PATH")")")/$(basename "$(dirname "$GITHUB_ACTION_PATH")")}
requested=${FACTOLINT_VERSION:-}
requested=${requested#v}

# The cache key of a source build: the sources that make the binary.
source_key=$(cd "$GITHUB_ACTION_PATH" && find Cargo.toml Cargo.lock src rules -type f | LC_ALL=C sort |
  while IFS= read -r file; do sha256_of "$file"; done | sha256_of)
echo "source-key=$source_version-$source_key" >> "$GITHUB_OUTPUT"

from_source() {
  echo "factolint: building $ref from source ($1)"
  echo "installed=false" >> "$GITHUB_OUTPUT"
  exit 0
}

version=$requested
if [ -z "$version" ]; then
  [ "$ref" = "v$source_version" ] || from_source "the action's ref is not the release tag v$source_version"
  version=$source_version
fi
target=$(runner_target)
if [ -z "$target" ]; then
  [ -z "$requested" ] || { echo "::error::factolint: no prebuilt release for $RUNNER_OS $RUNNER_ARCH"; exit 1; }
  from_source "no prebuilt release for $RUNNER_OS $RUNNER_ARCH"
fi

archive=$(archive_name "$version" "$target")
url="${GITHUB_SERVER_URL:-https://github.com}/$repository/releases/download/v$version/$archive"
dest="$RUNNER_TEMP/factolint-release"
rm -rf "$dest" && mkdir -p "$dest"
if ! curl -fsSL --retry 3 -o "$dest/$archive" "$url" || ! curl -fsSL --retry 3 -o "$dest/$archive.sha256" "$url.sha256"; then
  [ -z "$requested" ] || { echo "::error::factolint: cannot download release $version ($url)"; exit 1; }
  echo "::warning::factolint: release v$version has no $archive; building from source instead"
  from_source "download failed"
fi
expected=$(cut -d' ' -f1 < "$dest/$archive.sha256")
actual=$(sha256_of "$dest/$archive")
if [ "$expected" != "$actual" ]; then
  echo "::error::factolint: checksum mismatch for $archive (expected $expected, got $actual)"
  exit 1
fi
case "$archive" in
  *.zip)
    if command -v unzip >/dev/null 2>&1; then unzip -q "$dest/$archive" -d "$dest"
    else 7z x -y -o"$dest" "$dest/$archive" >/dev/null; fi ;;
  *) tar -xzf "$dest/$archive" -C "$dest" ;;
esac
bin="$dest/factolint-$version-$target"
"$bin/factolint" --version
echo "$bin" >> "$GITHUB_PATH"
echo "installed=true" >> "$GITHUB_OUTPUT"
