/**
 * Defaults that more than one command or pipeline needs, written once. Defaults that belong to the
 * config (the release archive folder, the lock path) live in its schema and are read from there.
 */

/** Distinct approvals a production promotion needs. */
export const defaultRequiredApprovals = 4;
