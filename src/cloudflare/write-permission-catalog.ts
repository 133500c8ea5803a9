// `npm run catalog [reference-dir]`: regenerates permission-group-catalog.json from the reference lists
// (default: the repository's reference/ folder); a test fails if the shipped file is stale.
// To refresh from Cloudflare, replace cloudflare-permission-groups-api.json with a new
// GET /accounts/{account_id}/tokens/permission_groups answer and run this.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildPermissionCatalog } from "./build-permission-catalog";

const repoRoot = path.join(__dirname, "..", "..");
const referenceDir = path.resolve(process.argv[2] ?? path.join(repoRoot, "reference"));
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(referenceDir, file), "utf8"));

const catalog = buildPermissionCatalog(readJson("cloudflare-permission-groups-api.json"), readJson("cloudflare-permission-groups.json"));
const target = path.join(repoRoot, "src", "cloudflare", "permission-group-catalog.json");
writeFileSync(target, `${JSON.stringify(catalog, null, 1)}\n`);
process.stdout.write(
  `wrote ${path.relative(process.cwd(), target)}: ${catalog.groups.length} groups, ${catalog.docsAliases.length} documentation aliases\n`,
);
