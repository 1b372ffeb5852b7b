import { Platform } from "@parley/client/gen/parley/common/v1/common_pb.js";

export { Platform };

/** The named platforms, for pickers ("All" is PLATFORM_UNSPECIFIED). */
export const PLATFORMS: [Platform, string][] = Object.entries(Platform)
  .filter(([name, value]) => typeof value === "number" && value !== 0 && isNaN(Number(name)))
  .map(([name, value]) => [value as Platform, title(name)]);

export function platformName(p: Platform): string {
  return title(Platform[p] ?? String(p));
}

function title(name: string): string {
  const bare = name.replace(/^PLATFORM_/, "").toLowerCase();
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

export function when(ms: bigint): string {
  return ms ? new Date(Number(ms)).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "—";
}
