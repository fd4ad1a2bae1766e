/** Small deployment-wide values kept with the data (e.g. the generated journey signing secret). */
export interface MetaStore {
  /** The stored value for `key`; when there is none, stores `value` first. Atomic. */
  getOrSet(key: string, value: string): Promise<string>;
}
