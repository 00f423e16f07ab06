// @ts-check
/**
 * The shapes of the HTTP API's answers the page reads (docs/metrics-api.md, docs/dashboard.md).
 * Types only: nothing here runs.
 */

/**
 * @typedef {object} Session
 * @property {string} project
 * @property {string} csrfToken
 * @property {string} expiresAt ISO 8601
 */

/**
 * @typedef {object} Counters
 * @property {number} scans
 * @property {number} completes
 * @property {number} hops
 * @property {number} tlsOk
 * @property {number} tlsErrors
 * @property {number} pinFailuresEnforce
 * @property {number} pinFailuresReport
 * @property {number} redirectsBlocked
 * @property {number} abandons
 * @property {number} events
 */

/**
 * @typedef {object} Rates
 * @property {number | null} completionRate
 * @property {number | null} dropOffRate
 * @property {number | null} tlsErrorRate
 * @property {number | null} pinFailureRate
 */

/**
 * @typedef {object} PinsetHost
 * @property {string} pattern
 * @property {string[]} pins
 * @property {string[]} [backupPins]
 * @property {string} mode
 */

/**
 * @typedef {object} PinsetSummary
 * @property {number} seq
 * @property {string} exp
 * @property {{ stage: string, enforcePercent?: number }} rollout
 * @property {PinsetHost[]} hosts
 */

/**
 * @typedef {object} AlertRef
 * @property {number} id
 * @property {string} kind
 * @property {string} windowStart
 * @property {string} createdAt
 */

/**
 * @typedef {object} DestinationRow
 * @property {string} destination
 * @property {'ok' | 'warning' | 'alert' | 'idle'} status
 * @property {string[]} hosts
 * @property {PinsetHost[]} pins
 * @property {string | null} pinsExpireAt
 * @property {Counters} counters
 * @property {Rates} rates
 * @property {AlertRef | null} lastAlert
 */

/**
 * @typedef {object} Overview
 * @property {string} project
 * @property {string} from
 * @property {string} to
 * @property {boolean} exact
 * @property {PinsetSummary | null} pinset
 * @property {Partial<Counters>} totals
 * @property {Rates} [rates] the rates of the totals
 * @property {DestinationRow[]} destinations
 */

/**
 * @typedef {object} SeriesPoint
 * @property {string} t
 * @property {number} scans
 * @property {number} completes
 * @property {number} attempts
 * @property {number} tlsErrors
 * @property {number} pinFailures
 */

/**
 * @typedef {object} Series
 * @property {string} destination
 * @property {'minute' | 'hour' | 'day'} step
 * @property {string} from
 * @property {string} to
 * @property {boolean} exact
 * @property {SeriesPoint[]} points
 */

/**
 * @typedef {object} FunnelRow
 * @property {string | null} campaign
 * @property {number} scans
 * @property {number} tlsOk
 * @property {number} hops
 * @property {number} completes
 * @property {number} abandons
 * @property {number} redirectsBlocked
 * @property {number} dropOff
 * @property {number | null} completionRate
 * @property {number | null} dropOffRate
 * @property {number} attempts TLS connection attempts (`tlsOk + tlsErrors`)
 * @property {number} tlsErrors
 * @property {number} pinFailures enforced and reported
 * @property {number | null} tlsErrorRate over `attempts`
 */

/**
 * @typedef {object} Pinsets
 * @property {{ pinsetSeq: number | null, events: number, share: number | null }[]} adoption
 * @property {{ pinsetSeq: number | null, attempts: number, pinFailuresEnforce: number, pinFailuresReport: number, pinFailureRate: number | null }[]} bySeq
 * @property {{ enforce: number, report: number }} byMode
 * @property {{ cohort: number | null, attempts: number, pinFailuresEnforce: number, pinFailuresReport: number, pinFailureRate: number | null }[]} byCohort
 */

/**
 * @typedef {object} Dimensions
 * @property {string[]} campaigns
 * @property {string[]} appVersions
 * @property {string[]} platforms
 * @property {string[]} destinations
 */

/**
 * @typedef {object} RateSample
 * @property {number} errors
 * @property {number} attempts
 * @property {number} [rate]
 */

/**
 * @typedef {object} Alert
 * @property {number} id
 * @property {string} destination
 * @property {string} kind
 * @property {string} windowStart
 * @property {number} windowSeconds
 * @property {RateSample} observed
 * @property {RateSample} baseline
 * @property {number} pValue
 * @property {string} createdAt
 */

export {};
