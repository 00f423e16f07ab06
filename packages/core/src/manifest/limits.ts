/**
 * The bounds a manifest must stay within. They keep a hostile or broken file from exhausting
 * memory or time, and they are far above what any real QR campaign needs.
 */

/**
 * Every size limit the manifest reader enforces.
 *
 * @example
 * ```ts
 * manifestLimits.maxBytes; // 1048576
 * ```
 */
export const manifestLimits = Object.freeze({
  /** Largest manifest accepted, in UTF-8 bytes (1 MiB); `parseManifest` takes a `maxBytes` option. */
  maxBytes: 1024 * 1024,
  /** Deepest nesting of lists and mappings, counted after aliases are expanded. */
  maxDepth: 64,
  /** Most YAML aliases (`*name`) in one file. */
  maxAliases: 100,
  /** Most extra nodes that alias expansion may add (guards against "billion laughs"). */
  maxAliasExpansion: 10_000,
  maxDestinations: 10_000,
  maxHosts: 1_000,
  /** Most pins per host, and separately most backup pins per host. */
  maxPinsPerHost: 64,
  /** Most extra hosts listed on one destination. */
  maxHostsPerDestination: 64,
  maxSigningKeys: 16,
  /** Longest destination payload: the most characters a QR code can hold (version 40-L, alphanumeric mode). */
  maxPayloadLength: 4_296,
  maxIdLength: 128,
  maxProjectLength: 64,
  maxCampaignLength: 128,
  maxUrlLength: 2_048,
  maxPatternLength: 260,
  maxHostnameLength: 260,
  maxPinLength: 200,
  maxKidLength: 128,
  /** Most members of one JWK object. */
  maxJwkMembers: 32,
});
