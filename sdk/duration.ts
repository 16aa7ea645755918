import * as pulumi from "@pulumi/pulumi";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration the way Pulumi's engine reads `customTimeouts` (Go's `time.ParseDuration`,
 * restricted to h, m, s and ms).
 * @throws pulumi.RunError naming the option when the text is not a duration.
 */
export function parseDurationMs(text: string, which: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new pulumi.RunError(
      `customTimeouts.${which}: ${JSON.stringify(text)} is not a duration such as "90s", "5m" or "1h30m"`,
    );
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * (UNIT_MS[p[2] ?? "s"] ?? 1000), 0);
}
