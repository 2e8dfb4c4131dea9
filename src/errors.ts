/**
 * Every failure lockstep reports on purpose is a LockstepError: it carries a stable code for machines,
 * the exit status the CLI returns, and a one-line message a person can act on. Anything else that
 * escapes is a bug and is reported as such.
 */
export const ExitCode = {
  ok: 0,
  /** The operation ran and failed: tests red, environment unhealthy, deploy rolled back. */
  failure: 1,
  /** The input is wrong: nothing was read further, written or deployed. */
  badInput: 2,
  /** Another run holds the environment, or the repository moved under us. */
  conflict: 3,
  /** A gate refused (approvals, policy). */
  refused: 4,
  /** A bug in lockstep itself. */
  internal: 70,
} as const;

export type ErrorCode =
  | 'BAD_INPUT'
  | 'NOT_FOUND'
  | 'REGISTRY'
  | 'GIT'
  | 'DOCKER'
  | 'COMPOSE'
  | 'KUBERNETES'
  | 'AWS'
  | 'GITHUB'
  | 'UNHEALTHY'
  | 'DEPLOY_FAILED'
  | 'ROLLED_BACK'
  | 'TESTS_FAILED'
  | 'LEASE_HELD'
  | 'CONFLICT'
  | 'GATE_REFUSED'
  | 'POLICY_VIOLATION'
  | 'PROVENANCE'
  | 'DRIFT';

const exitFor: Record<ErrorCode, number> = {
  BAD_INPUT: ExitCode.badInput,
  NOT_FOUND: ExitCode.failure,
  REGISTRY: ExitCode.failure,
  GIT: ExitCode.failure,
  DOCKER: ExitCode.failure,
  COMPOSE: ExitCode.failure,
  KUBERNETES: ExitCode.failure,
  AWS: ExitCode.failure,
  GITHUB: ExitCode.failure,
  UNHEALTHY: ExitCode.failure,
  DEPLOY_FAILED: ExitCode.failure,
  ROLLED_BACK: ExitCode.failure,
  TESTS_FAILED: ExitCode.failure,
  LEASE_HELD: ExitCode.conflict,
  CONFLICT: ExitCode.conflict,
  GATE_REFUSED: ExitCode.refused,
  POLICY_VIOLATION: ExitCode.refused,
  PROVENANCE: ExitCode.failure,
  DRIFT: ExitCode.failure,
};

export interface LockstepErrorOptions {
  /** Further lines (one per missing image, one per violation...) shown under the message. */
  details?: string[];
  /** What to do about it. */
  hint?: string;
  cause?: unknown;
}

export class LockstepError extends Error {
  override readonly name: string = 'LockstepError';
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly details: string[];
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: LockstepErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = exitFor[code];
    this.details = options.details ?? [];
    this.hint = options.hint;
  }
}

/**
 * Bad input: names the file (or `--flag`) and the field so the message alone says what to fix.
 * Rendered as `<file>: <field>: <problem>`.
 */
export class InputError extends LockstepError {
  override readonly name = 'InputError';
  readonly file: string;
  readonly field: string | undefined;
  readonly problem: string;

  constructor(file: string, field: string | undefined, problem: string, options: LockstepErrorOptions = {}) {
    super('BAD_INPUT', field ? `${file}: ${field}: ${problem}` : `${file}: ${problem}`, options);
    this.file = file;
    this.field = field;
    this.problem = problem;
  }
}

export function isLockstepError(error: unknown): error is LockstepError {
  return error instanceof LockstepError;
}
