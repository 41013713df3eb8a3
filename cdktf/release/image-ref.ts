// Image references CI hands over: `<registry>/<repository>@sha256:<64 hex>`. Releases go by digest,
// never by tag, so what was tested is byte-for-byte what runs.
export interface ImageRef {
  readonly repository: string;
  readonly digest: string;
  readonly ref: string;
}

const REF = /^([a-z0-9](?:[a-z0-9._\-/:]*[a-z0-9])?)@(sha256:[0-9a-f]{64})$/;

export function parseImageRef(value: string): ImageRef {
  const ref = value.trim();
  const match = REF.exec(ref);
  if (match === null) {
    throw new Error(
      `image must be "<registry>/<repository>@sha256:<64 hex digits>", got "${value}"` +
        (value.includes('@') ? '' : ' (a tag is not a release: push, then pass the digest)'),
    );
  }
  return { repository: match[1]!, digest: match[2]!, ref };
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.(amazonaws\.com(?:\.cn)?)\//;

/**
 * The same digest in `region`'s ECR registry (where replication copied it); a reference outside
 * ECR is returned as it is.
 */
export function inRegion(image: ImageRef, region: string): ImageRef {
  const match = ECR_HOST.exec(image.ref);
  if (match === null) return image;
  return parseImageRef(image.ref.replace(ECR_HOST, `${match[1]}.dkr.ecr.${region}.${match[3]}/`));
}
