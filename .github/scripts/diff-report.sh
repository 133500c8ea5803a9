#!/usr/bin/env bash
# The pull-request gate: cfct diff of each stack, run by the base branch's code on the pull
# request's stack files (and policy pack config), which pr-stack-files.sh copied out as data.
# Usage: diff-report.sh <base checkout> <pr data dir> <comment file> <stack>...
#
# The comment file holds only what cfct printed on stdout (its Markdown escapes every string from
# the stack file); an error is named by its exit code, never echoed: stderr can quote the stack
# file, and the comment is posted as the repository's bot. Exits with the worst exit code.
set -uo pipefail
base="$1" pr="$2" comment="$3"
shift 3
cfct="node $base/bin/cfct.js"
worst=0
: >"$comment"
for stack in "$@"; do
  head="$pr/stacks/Pulumi.$stack.yaml"
  if [ ! -f "$head" ]; then
    printf 'cfct diff (%s): the pull request has no stacks/Pulumi.%s.yaml.\n\n' "$stack" "$stack" >>"$comment"
    continue
  fi
  config=()
  if [ -f "$pr/policies/config.$stack.json" ]; then config=(--policy-pack-config "$pr/policies/config.$stack.json"); fi
  if [ ! -f "$base/stacks/Pulumi.$stack.yaml" ]; then
    # Fail closed: a stack the gate cannot compare is not a stack it passed.
    printf 'cfct diff (%s): the base branch has no stacks/Pulumi.%s.yaml to compare with.\n\n' "$stack" "$stack" >>"$comment"
    worst=1
    continue
  fi
  $cfct diff --stack "$stack" --project-dir "$base" --config "$head" --base-file "$base/stacks/Pulumi.$stack.yaml" \
    --policy-pack "$base/policies" "${config[@]}" >"$comment.$stack" 2>"$comment.$stack.err"
  code=$?
  if [ "$code" -le 2 ] && [ -s "$comment.$stack" ]; then
    cat "$comment.$stack" >>"$comment"
  else
    printf 'cfct diff (%s) stopped with exit %s before it could judge the change: the job log says why.\n' "$stack" "$code" >>"$comment"
  fi
  printf '\n' >>"$comment"
  cat "$comment.$stack.err" >&2
  if [ "$code" -gt "$worst" ]; then worst=$code; fi
done
exit "$worst"
