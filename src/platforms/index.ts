import { ascera } from "./ascera";
import { datadog } from "./datadog";
import { drata } from "./drata";
import type { PlatformDefinition } from "./types";

export type { PlatformDefinition, HandoffField } from "./types";

/** The platform catalog: adding a platform is one file plus one line here. */
export const PLATFORMS: Readonly<Record<string, PlatformDefinition>> = Object.freeze({
  [ascera.key]: ascera,
  [datadog.key]: datadog,
  [drata.key]: drata,
});

export type PlatformCatalog = typeof PLATFORMS;

export function platformKeys(catalog: PlatformCatalog = PLATFORMS): string[] {
  return Object.keys(catalog).sort();
}
