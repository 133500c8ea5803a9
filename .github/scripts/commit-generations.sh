#!/usr/bin/env bash
# Commits cfct's token generations record (stacks/, written by `pulumi config set`) and pushes it to
# main. main may have moved since this job checked out (deploy and rotate queue on one concurrency
# group, and each pushes): rebase onto it and retry. If the rebase conflicts, the record goes to a
# branch and a pull request instead, so it is never lost. Usage: commit-generations.sh "<message>"
set -euo pipefail
message="$1"

if [ -z "$(git status --porcelain -- stacks/)" ]; then
  echo "no generation change"
  exit 0
fi
git config user.name "cfct[bot]"
git config user.email "cfct-bot@users.noreply.github.com"
git add stacks/
git commit -m "$message"

for attempt in 1 2 3; do
  if git push origin HEAD:main; then exit 0; fi
  echo "push rejected (attempt $attempt): main moved; rebasing onto it"
  git fetch origin main
  if ! git rebase origin/main; then
    git rebase --abort
    break
  fi
done

branch="cfct/generations-${GITHUB_RUN_ID:-$(date +%s)}"
git push origin "HEAD:refs/heads/$branch"
gh pr create --base main --head "$branch" --title "$message" \
  --body "cfct could not rebase the token generations record onto main (a concurrent run changed it too). Merge this after checking stacks/: the record must match the stack's outputs."
echo "opened a pull request from $branch"
