import { parseSettings, type Settings } from "../../src/config/schema";

export const ACME_CORP = "417daa9dc1293f3af874e997f8bdce54";
export const ACME_LABS = "fca1dc0809e072ce2cf9eb2831e0e03b";
export const ACME_STATUS_ZONE = "621b8b25e1292b078cc50d9c9bdec591";

/** Settings from a raw (namespace-stripped) config object, as a stack file would give them. */
export function settingsFrom(raw: unknown, stack = "test"): Settings {
  return parseSettings(raw, { stack, source: "test" });
}
