// `npm run schema`: regenerates schema/stack-config.schema.json from the zod schema (a test fails if it is stale).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { stackFileJsonSchema } from "./json-schema";

const target = path.join(__dirname, "..", "..", "schema", "stack-config.schema.json");
writeFileSync(target, `${JSON.stringify(stackFileJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
