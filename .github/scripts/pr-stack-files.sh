#!/usr/bin/env bash
# Copies a pull request's stack files out of its head commit as plain data, for cfct diff to read.
# Usage (in a checkout of the base branch): pr-stack-files.sh <head sha> <out dir> <path>...
#
# Nothing of the pull request is checked out or run: its commit is fetched into the base checkout's
# object store, and each named file's blob is written to <out dir>/<path>. A path that is not a
# regular file in that commit (a symlink, which could point at a runner file, or a submodule) is
# refused; one the commit does not have is skipped (the stack is new or removed). Files over 1 MiB
# are refused: a stack file is a page of YAML.
set -euo pipefail
sha="$1" out="$2"
shift 2
# shellcheck source=.github/scripts/git-auth.sh
. "$(dirname "$0")/git-auth.sh"

if ! [[ "$sha" =~ ^[0-9a-f]{40}$ ]]; then
  echo "pr-stack-files.sh: $sha is not a full commit SHA" >&2
  exit 1
fi
git fetch --no-tags --depth=1 origin "$sha"
for file in "$@"; do
  entry=$(git ls-tree "$sha" -- "$file")
  if [ -z "$entry" ]; then
    echo "$file: not in the pull request's head (new or removed stack)"
    continue
  fi
  read -r mode type _ <<<"$entry"
  if [ "$type" != blob ] || { [ "$mode" != 100644 ] && [ "$mode" != 100755 ]; }; then
    echo "pr-stack-files.sh: $file is not a regular file in $sha (mode $mode, $type): refused" >&2
    exit 1
  fi
  if [ "$(git cat-file -s "$sha:$file")" -gt 1048576 ]; then
    echo "pr-stack-files.sh: $file is over 1 MiB in $sha: refused" >&2
    exit 1
  fi
  mkdir -p "$out/$(dirname "$file")"
  git cat-file blob "$sha:$file" >"$out/$file"
  echo "$file: copied from $sha as data"
done
