#!/usr/bin/env bash
# Carries a stack's evidence chain from one CI run to the next on the evidence branch
# (cfct-evidence: evidence/<stack>/ and anchors/<stack>.txt, the heads every run anchored), which
# the workflow checks out into $EVIDENCE_CHECKOUT (default .cfct-evidence) before the run.
#
#   restore  <stack>  copy the branch's records into evidence/<stack>/, then check the chain still
#                     holds every anchored head (cfct evidence verify --anchor): no token needed
#   attested <stack>  the newest anchored head's record must carry a GitHub artifact attestation
#                     made by this repository's deploy, rotate or audit workflow on main (gh only)
#   anchor   <stack>  after the run: verify, append the new head to anchors/<stack>.txt, copy this
#                     run's records to the branch checkout and to evidence-new/<stack>/ (what the
#                     attestation step signs): no token needed
#   push     <stack>  commit the branch checkout and push it, one commit on top of what was checked
#                     out (no force): the only step that gets the push token
#
# The chain is unkeyed SHA-256: the anchors file on the same branch does not protect itself. What
# does is the attestation: a rewritten chain has a newest record no workflow on main attested.
set -euo pipefail
command="$1" stack="$2"
checkout="${EVIDENCE_CHECKOUT:-.cfct-evidence}"
branch="${EVIDENCE_BRANCH:-cfct-evidence}"
read -ra cfct <<<"${CFCT:-npx --no-install cfct}"
records="evidence/$stack"
anchors="$checkout/anchors/$stack.txt"
restored="evidence-new/$stack.restored"

fail() {
  echo "evidence-chain.sh $command $stack: $*" >&2
  exit 2
}

# The newest anchored head: "#<sequence> sha256 <hash>" from the anchors file's last line.
newest_anchor() {
  grep -o '#[0-9]* sha256 [0-9a-f]\{64\}' "$anchors" | tail -n 1
}

case "$command" in
restore)
  [ -d "$checkout/.git" ] || fail "$checkout is not a checkout of the $branch branch. Fix: check it out first (see docs/evidence-and-audit.md)"
  if [ -n "$(find "$checkout/evidence" "$checkout/anchors" ! -type f ! -type d 2>/dev/null)" ]; then
    fail "the $branch branch holds something other than plain files under evidence/ or anchors/: refused"
  fi
  mkdir -p "$records" evidence-new
  if [ -d "$checkout/$records" ]; then cp -p "$checkout/$records"/* "$records"/ 2>/dev/null || true; fi
  find "$records" -maxdepth 1 -name '*.json' -printf '%f\n' | sort >"$restored"
  if [ ! -s "$restored" ]; then
    [ ! -s "$anchors" ] || fail "$anchors names heads but the branch has no records of $stack: they were removed"
    echo "no evidence of $stack on $branch yet: this run starts the chain"
    exit 0
  fi
  [ -s "$anchors" ] || fail "$branch has records of $stack but no $anchors: the chain cannot be checked. Fix: restore the anchors file from the branch's history"
  "${cfct[@]}" evidence verify --dir "$records" --anchor "$anchors" || fail "the restored chain does not hold its anchored heads (above): it was edited on $branch"
  ;;

attested)
  [ -s "$anchors" ] || {
    echo "no anchored head of $stack yet: nothing to check"
    exit 0
  }
  head=$(newest_anchor)
  hash=${head##* }
  record=$(grep -l "\"hash\": \"$hash\"" "$checkout/$records"/*.json | head -n 1) || fail "no record on $branch holds the newest anchored head ($head)"
  repository="${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}"
  # The certificate names the workflow and the ref that signed: only deploy, rotate or audit on main.
  gh attestation verify "$record" --repo "$repository" --deny-self-hosted-runners \
    --cert-identity-regex "^https://github\.com/${repository}/\.github/workflows/(deploy|rotate|audit)\.yml@refs/heads/main$" ||
    fail "$(basename "$record") (the newest anchored head, $head) carries no attestation from this repository's workflows on main: the chain on $branch was rewritten"
  echo "the newest anchored head ($head) was attested by a workflow on main"
  ;;

anchor)
  [ -f "$restored" ] || fail "run restore first"
  anchored=()
  if [ -s "$anchors" ]; then anchored=(--anchor "$anchors"); fi
  out=$("${cfct[@]}" evidence verify --dir "$records" "${anchored[@]}") || fail "the chain after this run does not verify: $out"
  echo "$out"
  head=$(grep -o '#[0-9]* sha256 [0-9a-f]\{64\}' <<<"$out" | head -n 1) || fail "cfct evidence verify printed no head"
  mkdir -p "$checkout/$records" "$checkout/anchors" "evidence-new/$stack"
  count=0
  while read -r file; do
    grep -qxF "$file" "$restored" && continue
    cp -p "$records/$file" "$checkout/$records/"
    cp -p "$records/$file" "evidence-new/$stack/"
    [ ! -f "$records/${file%.json}.md" ] || cp -p "$records/${file%.json}.md" "$checkout/$records/"
    count=$((count + 1))
  done < <(find "$records" -maxdepth 1 -name '*.json' -printf '%f\n' | sort)
  if [ "$count" = 0 ]; then
    echo "this run added no record: nothing to anchor"
    exit 0
  fi
  echo "$head $(date -u +%Y-%m-%dT%H:%M:%SZ) ${GITHUB_SERVER_URL:-}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-local}" >>"$anchors"
  echo "anchored $head ($count new record(s)); their attestation signs evidence-new/$stack/*.json"
  ;;

push)
  # shellcheck source=.github/scripts/git-auth.sh
  . "$(dirname "$0")/git-auth.sh"
  cd "$checkout"
  if [ -z "$(git status --porcelain -- evidence anchors)" ]; then
    echo "no new evidence of $stack"
    exit 0
  fi
  git config user.name "cfct[bot]"
  git config user.email "cfct-bot@users.noreply.github.com"
  git add -- evidence anchors
  git commit -q -m "evidence: $stack, run ${GITHUB_RUN_ID:-local}" -- evidence anchors
  [ "$(git rev-list --count "origin/$branch..HEAD")" = 1 ] || fail "HEAD is not origin/$branch plus this run's evidence: not pushed"
  # Runs of the stack share one concurrency group, so the branch has not moved; if it has, stop
  # rather than force: the run's artifact keeps the records, and a re-run appends them.
  git push origin "HEAD:refs/heads/$branch" || fail "the push to $branch was rejected. Fix: re-run the job (its artifact keeps this run's records)"
  ;;

*)
  echo "usage: evidence-chain.sh restore|attested|anchor|push <stack>" >&2
  exit 1
  ;;
esac
