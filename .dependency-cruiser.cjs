/**
 * The layers of src/, top to bottom (CONTRIBUTING.md, "Layout" and "Layers and lint"). A module may
 * import its own layer and the layers below it, never one above: the list is the rule, written once.
 * Why some layers sit where they do:
 * - audit, diff and parity are the engines of cli commands, above everything they read.
 * - rehearsal sits above automation: the rehearsal engine implements automation's StackEngine
 *   interface (src/automation/engine.ts), and only the composition root (src/cli/build-pipeline.ts)
 *   chooses between it and the Pulumi engine.
 * - config/registration/ holds the registrars' config schemas, so parsing a stack file loads no
 *   registrar; src/registration/ implements them.
 * - process (allow-listed child-process environments) is a leaf helper beside domain.
 * - files (the one way a secret-bearing file is written) is a leaf helper above domain.
 */
const LAYERS = [
  "cli",
  "demo",
  "audit",
  "diff",
  "parity",
  "rehearsal",
  "automation",
  "verify",
  "registration",
  "evidence",
  "sandbox",
  "program",
  "component",
  "plan",
  "config",
  "platforms",
  "cloudflare",
  "files",
  "process",
  "domain",
];

/** What the CrossGuard pack may load from src/ (it runs under ts-node in the policy host). */
const POLICY_PACK_MAY_USE = ["domain", "platforms", "cloudflare"];

const layerPath = (layer) => `^src/${layer}/`;

const upwardImports = LAYERS.slice(1).map((layer, index) => ({
  name: `${layer}-imports-upward`,
  comment: `src/${layer} may import only the layers below it: ${LAYERS.slice(index + 2).join(", ") || "nothing of the project"}`,
  severity: "error",
  from: { path: layerPath(layer) },
  to: { path: LAYERS.slice(0, index + 1).map(layerPath) },
}));

module.exports = {
  forbidden: [
    ...upwardImports,
    {
      name: "no-unlisted-layer",
      comment: "every folder of src/ is a layer in .dependency-cruiser.cjs; add a new one there, in its place",
      severity: "error",
      from: { path: "^src/[^/]+/" },
      to: { path: "^src/[^/]+/", pathNot: LAYERS.map(layerPath) },
    },
    {
      name: "policy-pack-uses-lower-layers-only",
      comment: `policies/ may import from src/ only: ${POLICY_PACK_MAY_USE.join(", ")}`,
      severity: "error",
      from: { path: "^policies/" },
      to: { path: "^src/", pathNot: POLICY_PACK_MAY_USE.map(layerPath) },
    },
    {
      name: "no-circular",
      comment: "an import cycle knots two modules into one; move the shared part down a layer",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/|^dist/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
