// In-process memory of revocation answers, so the database is not asked on every request:
//   - sessions known to be revoked (permanent: kept until no token of theirs can still be valid);
//   - sessions the database said were live, kept only briefly (another instance may revoke them
//     while Redis is down, and then only the database knows).
// Both maps are bounded: the oldest entries go first, and forgetting only costs a database read.

/** A Map whose entries expire at a given time and which never holds more than `max` entries. */
export class ExpiringMap<V = true> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(private readonly max: number) {}

  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, until: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until });
    // Map iterates in insertion order: the first key is the oldest.
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

export class RevocationCache {
  private readonly revoked: ExpiringMap;
  private readonly live: ExpiringMap;

  /**
   * @param liveMs how long a "not revoked" answer from the database is trusted (0: never kept)
   * @param revokedMs how long a revoked session is remembered (the access token lifetime)
   */
  constructor(
    private readonly liveMs: number,
    private readonly revokedMs: number,
    max = 50_000,
  ) {
    this.revoked = new ExpiringMap(max);
    this.live = new ExpiringMap(max);
  }

  isKnownRevoked(key: string, now: number): boolean {
    return this.revoked.get(key, now) !== undefined;
  }

  isKnownLive(key: string, now: number): boolean {
    return this.live.get(key, now) !== undefined;
  }

  markRevoked(key: string, now: number): void {
    this.live.delete(key);
    this.revoked.set(key, true, now + this.revokedMs);
  }

  markLive(key: string, now: number): void {
    if (this.liveMs > 0) this.live.set(key, true, now + this.liveMs);
  }

  /** An account-wide revocation: tokens outside sessions are cached by jti, so forget every "live" answer. */
  forgetLive(): void {
    this.live.clear();
  }
}
