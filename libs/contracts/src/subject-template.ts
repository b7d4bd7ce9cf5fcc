import { TOKEN_ID_PATTERN } from './common.js';
import { ContractError } from './errors.js';

/**
 * Subject builders: the only way services form subjects. A template such as `md.tick.<broker>.<instrument>`
 * gives a typed builder, its NATS wildcard pattern (for the catalog and subscriptions) and a parser.
 * Tokens are dot-free: instruments are keyed by their InstrumentId (`instrumentToken('265598')` → `'265598'`).
 */
export class SubjectTokenError extends ContractError {
  override readonly name = 'SubjectTokenError';
  constructor(
    readonly param: string,
    readonly token: string,
    reason: string,
  ) {
    super('INVALID_SUBJECT_TOKEN', `subject token ${param}=${JSON.stringify(token)} ${reason}`, {
      details: { param, token },
    });
  }
}

/** Why a value cannot be a subject token, or undefined when it can. */
export function tokenProblem(token: string): string | undefined {
  if (token.length === 0) return 'is empty';
  if (token.includes('.')) return "contains '.'";
  if (token.includes('*')) return "contains '*'";
  if (token.includes('>')) return "contains '>'";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
  if (/[\s\u0000-\u001f\u007f]/.test(token)) return 'contains whitespace or a control character';
  return undefined;
}

export function assertToken(param: string, token: string): string {
  const problem = tokenProblem(token);
  if (problem !== undefined) throw new SubjectTokenError(param, token, problem);
  return token;
}

export function isValidToken(token: string): boolean {
  return tokenProblem(token) === undefined;
}

/** The instrument token of an instrument id (the id itself, checked against the token alphabet). */
export function instrumentToken(id: string): string {
  if (!INSTRUMENT_ID_RE.test(id)) throw new SubjectTokenError('instrument', id, 'is not an instrument id');
  return id;
}
const INSTRUMENT_ID_RE = new RegExp(TOKEN_ID_PATTERN);

type ParamNames<T extends string> = T extends `${string}<${infer P}>${infer Rest}` ? P | ParamNames<Rest> : never;
/** Parameter object of a template; `O` narrows some params (e.g. `kind`) to a union of literals. */
export type SubjectParams<T extends string, O extends Partial<Record<ParamNames<T>, string | number>> = object> = {
  readonly [K in ParamNames<T>]: K extends keyof O ? O[K] : string;
};

export interface SubjectTemplate<T extends string, P> {
  /** The template, e.g. `md.tick.<broker>.<instrument>`. */
  readonly template: T;
  /** NATS pattern with `*` for every parameter, e.g. `md.tick.*.*`. */
  readonly pattern: string;
  readonly params: readonly string[];
  /** Concrete subject; throws SubjectTokenError on a bad token. */
  build(...args: keyof P extends never ? [] : [P]): string;
  /** Subscription filter: given params are filled in, missing ones become `*`. */
  filter(partial?: Partial<P>): string;
  /** Parameters of a concrete subject, or undefined when it does not fit the template. */
  parse(subject: string): P | undefined;
}

export function subjectTemplate<T extends string, O extends Partial<Record<ParamNames<T>, string | number>> = object>(
  template: T,
): SubjectTemplate<T, SubjectParams<T, O>> {
  type P = SubjectParams<T, O>;
  const parts = template.split('.').map((t): { literal: string } | { param: string } => {
    const name = /^<([A-Za-z]+)>$/.exec(t)?.[1];
    return name === undefined ? { literal: t } : { param: name };
  });
  const params = parts.flatMap((p) => ('param' in p ? [p.param] : []));
  const pattern = parts.map((p) => ('param' in p ? '*' : p.literal)).join('.');
  const fill = (values: Readonly<Record<string, string | number | undefined>>, wildcard: boolean) =>
    parts
      .map((p) => {
        if ('literal' in p) return p.literal;
        const v = values[p.param];
        if (v === undefined) {
          if (wildcard) return '*';
          throw new SubjectTokenError(p.param, '', 'is missing');
        }
        if (typeof v === 'number') {
          // Numbers are integer keys (indexes, counts); anything else has no canonical dot-free form.
          if (!Number.isSafeInteger(v) || v < 0)
            throw new SubjectTokenError(p.param, String(v), 'is not a whole number');
          return String(v);
        }
        return assertToken(p.param, v);
      })
      .join('.');
  return {
    template,
    pattern,
    params,
    build: (...args) => fill((args[0] ?? {}) as Record<string, string | number>, false),
    filter: (partial) => fill((partial ?? {}) as Record<string, string | number | undefined>, true),
    parse(subject) {
      const tokens = subject.split('.');
      if (tokens.length !== parts.length) return undefined;
      const out: Record<string, string> = {};
      for (const [i, p] of parts.entries()) {
        const t = tokens[i] ?? '';
        if ('literal' in p) {
          if (t !== p.literal) return undefined;
        } else {
          if (!isValidToken(t)) return undefined;
          out[p.param] = t;
        }
      }
      return out as P;
    },
  };
}
