/**
 * `?network=` and a batch body's `"network"`: which configured network a request reads. Pure.
 *
 * Accepted: a configured network's canonical (lower-case) name, or its decimal chain id; in a
 * batch body also the chain id as a JSON number. Absent: the default network. Anything else (an
 * unconfigured network, a malformed value) is refused with the configured names, so the caller can
 * fix the request. One Map lookup on the way in: no parsing on the hot path.
 */

export interface NetworkRef {
  readonly name: string;
  readonly chainId: number;
}

export type NetworkPick<T> = { readonly ok: true; readonly network: T } | { readonly ok: false; readonly detail: string };

export class NetworkIndex<T extends NetworkRef> {
  private readonly byKey = new Map<string, NetworkPick<T>>();
  readonly names: readonly string[];
  private readonly defaultPick: NetworkPick<T>;

  /** `networks[0]` is the default network. */
  constructor(readonly networks: readonly T[]) {
    if (networks.length === 0) throw new Error('NetworkIndex needs at least one network');
    for (const network of networks) {
      const pick: NetworkPick<T> = Object.freeze({ ok: true, network });
      this.byKey.set(network.name, pick);
      this.byKey.set(String(network.chainId), pick);
    }
    this.names = Object.freeze(networks.map((n) => n.name));
    this.defaultPick = this.byKey.get(networks[0]!.name)!;
  }

  get default(): T {
    return this.networks[0]!;
  }

  /** A query parameter's value (undefined: absent). */
  fromQuery(value: string | undefined): NetworkPick<T> {
    if (value === undefined) return this.defaultPick;
    return this.byKey.get(value) ?? this.refuse(value);
  }

  /** A JSON body member's value (undefined: absent): a name, a decimal string or a JSON number. */
  fromJson(value: unknown): NetworkPick<T> {
    if (value === undefined) return this.defaultPick;
    if (typeof value === 'string') return this.byKey.get(value) ?? this.refuse(value);
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return this.byKey.get(String(value)) ?? this.refuse(value);
    return this.refuse(value);
  }

  private refuse(value: unknown): NetworkPick<T> {
    return { ok: false, detail: `network ${describe(value)} is not served here: use one of ${this.names.join(', ')} or its decimal chain id` };
  }
}

/** The value quoted for a detail message, cut short and without control characters. */
function describe(value: unknown): string {
  if (typeof value !== 'string') return typeof value === 'number' ? String(value) : `of type ${value === null ? 'null' : typeof value}`;
  const shown = value.length > 70 ? `${value.slice(0, 70)}...` : value;
  return JSON.stringify(shown.replace(/[\u0000-\u001f\u007f]/g, '?'));
}
