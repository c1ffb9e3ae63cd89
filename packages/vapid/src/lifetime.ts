/** How long a VAPID token lives (RFC 8292 §2). */

/**
 * The longest a token may be valid: 24 hours. RFC 8292 §2: "the "exp" (expiry) claim MUST NOT be more
 * than 24 hours from the time of the request"; push services refuse a longer one.
 */
export const MAX_TOKEN_LIFETIME_SECONDS: number = 24 * 60 * 60

/** The lifetime of a token when none is given: 12 hours, well inside the 24-hour limit. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS: number = 12 * 60 * 60
