/** One problem with one environment variable, as printed to the operator. */
export interface ConfigIssue {
  /** The environment variable, e.g. 'NATS_PASSWORD'; '(config)' when the problem spans several. */
  readonly variable: string;
  readonly problem: string;
  /** What the variable means / what to set; taken from the schema field's `.describe()`. */
  readonly hint: string | undefined;
}

/** The environment did not describe a valid configuration. Carries every issue, not only the first. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${formatIssues(issues)}`,
    );
    this.issues = issues;
  }
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues
    .map((i) => `  - ${i.variable}: ${i.problem}${i.hint === undefined ? '' : `\n      hint: ${i.hint}`}`)
    .join('\n');
}

/** A lifecycle transition that the state machine does not allow (a programming error in a component). */
export class LifecycleError extends Error {
  override name = 'LifecycleError';
}

/** stop() did not finish within stopTimeoutMs. */
export class StopTimeoutError extends Error {
  override name = 'StopTimeoutError';
}
