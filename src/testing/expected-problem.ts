/**
 * A problem+json body as a test expects it, written out in full except the type's fixed prefix:
 * `type` is the last path segment ("bad-checksum") of the relative `/problems/...` reference the
 * service sends without PUBLIC_BASE_URL; the other members are given as they are.
 */
export function expectedProblem(
  type: string,
  members: { title: string; status: number; code: string; detail: string } & Record<string, unknown>,
): Record<string, unknown> {
  return { type: `/problems/${type}`, ...members };
}
