#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm ci` (the package's `prepare` script), so
// users run plain JavaScript with no TypeScript loader on the hot path.
try {
  require.resolve("../dist/cli/main.js");
} catch {
  process.stderr.write("cfct: dist/ is missing. Run `npm ci` (or `npm run build`) in the project first.\n");
  process.exit(1);
}
require("../dist/cli/main.js")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
