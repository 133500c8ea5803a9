#!/usr/bin/env bash
# Commits cfct's token generations record (stacks/, written by `pulumi config set`) and pushes it to
# main. main may have moved since this job checked out (deploy and rotate queue on one concurrency
# group, and each pushes): rebase onto it and retry. If the rebase conflicts, the record goes to a
# branch and a pull request instead, so it is never lost. Usage: commit-generations.sh "<message>"
#
# It pushes one commit only: the record, on top of origin/main. A checkout that is not on main (a
# run dispatched from another branch, with commits main has not reviewed) is refused before
# anything is committed, so a job can never carry unreviewed commits into main.
set -euo pipefail
message="$1"
# shellcheck source=.github/scripts/git-auth.sh
. "$(dirname "$0")/git-auth.sh"

if [ -z "$(git status --porcelain -- stacks/)" ]; then
  echo "no generation change"
  exit 0
fi

git fetch --no-tags origin main
if [ -n "$(git rev-list origin/main..HEAD)" ]; then
  echo "refusing to commit the generations record: HEAD ($(git rev-parse --short HEAD)) has commits that are not on origin/main." >&2
  echo "Fix: run deploy and rotate from main only (the workflows' jobs check github.ref; restrict the prod environment to main)." >&2
  exit 1
fi

git config user.name "cfct[bot]"
git config user.email "cfct-bot@users.noreply.github.com"
git add -- stacks/
git commit -m "$message" -- stacks/

# HEAD must be exactly origin/main plus the record: anything else is not pushed to main.
only_the_record() {
  [ "$(git rev-list --count origin/main..HEAD)" = 1 ] && [ "$(git rev-parse HEAD^)" = "$(git rev-parse origin/main)" ] &&
    [ -z "$(git diff --name-only HEAD^ HEAD -- . ':(exclude)stacks/')" ]
}

for attempt in 1 2 3; do
  if [ "$(git rev-parse HEAD^)" != "$(git rev-parse origin/main)" ] && ! git rebase origin/main; then
    git rebase --abort
    break
  fi
  if ! only_the_record; then
    echo "refusing to push: HEAD is not origin/main plus the generations record" >&2
    exit 1
  fi
  if git push origin HEAD:refs/heads/main; then exit 0; fi
  echo "push rejected (attempt $attempt): main moved; rebasing onto it"
  git fetch --no-tags origin main
done

branch="cfct/generations-${GITHUB_RUN_ID:-$(date +%s)}"
git push origin "HEAD:refs/heads/$branch"
gh pr create --base main --head "$branch" --title "$message" \
  --body "cfct could not rebase the token generations record onto main (a concurrent run changed it too). Merge this after checking stacks/: the record must match the stack's outputs."
echo "opened a pull request from $branch"
