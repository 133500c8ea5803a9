/**
 * ts-node resolves `import "./permission-groups"` to permission-groups.json, because Node tries
 * `.json` before the `.ts` extension ts-node registers (src/cloudflare has both files). Import this
 * first: it moves `.ts` ahead of `.js`/`.json`, like ts-node's own `preferTsExts` option.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require("node:module") as { _extensions: Record<string, unknown> };
const extensions = Module._extensions;
const ts = extensions[".ts"];
if (ts) {
  const rest = Object.entries(extensions).filter(([ext]) => ext !== ".ts");
  for (const [ext] of rest) delete extensions[ext];
  extensions[".ts"] = ts;
  for (const [ext, handler] of rest) extensions[ext] = handler;
}
export {};
