# shellcheck shell=bash
# Sourced by the scripts that fetch or push. Checkouts keep no credentials (persist-credentials:
# false), so only the step that runs one of these scripts holds the token (GH_TOKEN), and it reaches
# git through this process's environment alone: nothing is written to .git/config, where any later
# step (npm ci, the program, the policy pack) could read it.
if [ -n "${GH_TOKEN:-}" ]; then
  GIT_CONFIG_COUNT=1
  GIT_CONFIG_KEY_0="http.${GITHUB_SERVER_URL:-https://github.com}/.extraheader"
  GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GH_TOKEN" | base64 | tr -d '\n')"
  export GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0
fi
