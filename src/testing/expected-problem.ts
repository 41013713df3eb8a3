/**
 * A problem+json body as a test expects it, written out in full except the type URL's fixed base:
 * `type` is the last path segment ("bad-checksum"), the other members are given as they are.
 */
export function expectedProblem(
  type: string,
  members: { title: string; status: number; code: string; detail: string } & Record<string, unknown>,
): Record<string, unknown> {
  return { type: `https://balance-api.dev/problems/${type}`, ...members };
}
