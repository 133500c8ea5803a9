import { readFileSync } from "node:fs";
import path from "node:path";

const REFERENCE_DIR = path.resolve(__dirname, "../../reference");

/**
 * A file of the repository's reference/ folder: copies of Cloudflare's, Pulumi's and the platforms'
 * published material that tests compare with (reference/README.md names each one's source, date and
 * licence). It is part of the checkout, so no test skips for want of it.
 */
export function readReference(relative: string): string {
  return readFileSync(path.join(REFERENCE_DIR, relative), "utf8");
}
