/**
 * The sessions' expiry buckets, which the SQL stores' sweepers index instead of `expires_at`:
 * `expires_at / EXPIRY_BUCKET_MS`, in integer division. An idle-time write changes `expires_at`,
 * but moves a session's bucket only once per 10 minutes of extension, so with writes once a minute
 * (AM's default) about nine in ten leave the sweeper's index as it was. Fixed by the migrations
 * that index it, never to change; at most the domain's `SWEEP_LAG_MS`, since sweeps take only the
 * buckets that have ended.
 */
export const EXPIRY_BUCKET_MS = 600_000;

/** The bucket `now` falls in: every earlier bucket holds only sessions that have expired. */
export function currentBucket(now: number): number {
  return Math.floor(now / EXPIRY_BUCKET_MS);
}
