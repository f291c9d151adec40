#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A release asset from a wheel: the wheel's factolint executable with LICENSE and README.md,
# as factolint-<version>-<target>.tar.gz (.zip for Windows), and a .sha256 file beside it.
#
#   release-archive.sh WHEEL TARGET OUT_DIR      prints the path of the archive
set -euo pipefail
scripts=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$scripts/common.sh"
wheel=$1 target=$2 out=$3
repo=$(cd "$scripts/../.." && pwd)

name=$(basename "$wheel")
version=${name#factolint-}
version=${version%%-*}
folder="factolint-$version-$target"
archive=$(archive_name "$version" "$target")

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
bash "$scripts/wheel-binary.sh" "$wheel" "$staging/$folder" >/dev/null
cp "$repo/LICENSE" "$repo/README.md" "$staging/$folder/"
case "$archive" in
  *.zip) (cd "$staging" && "${PYTHON:-python3}" -m zipfile -c "$archive" "$folder") ;;
  *) tar -czf "$staging/$archive" -C "$staging" "$folder" ;;
esac
mkdir -p "$out"
mv "$staging/$archive" "$out/$archive"
echo "$(sha256_of "$out/$archive")  $archive" > "$out/$archive.sha256"
echo "$out/$archive"
