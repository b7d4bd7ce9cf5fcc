/**
 * infra/postgres/roles.psql rendered outside psql (tests, tools): its psql variables `:"name"` (an identifier) and
 * `:'name'` (a literal) replaced by quoted values, as psql would. The file has no meta-commands, so the result is
 * the SQL psql runs in the postgres container.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROLES_PSQL_PATH = fileURLToPath(new URL('./roles.psql', import.meta.url));

export interface RoleVariables {
  readonly app_database: string;
  readonly orders_role: string;
  readonly orders_schema: string;
  readonly orders_password: string;
  readonly history_role: string;
  readonly history_schema: string;
  readonly history_password: string;
  readonly gateway_paper_role: string;
  readonly gateway_paper_schema: string;
  readonly gateway_paper_password: string;
}

/** The statements of roles.psql with the variables substituted, in order. */
export function rolesStatements(vars: RoleVariables): string[] {
  const text = readFileSync(ROLES_PSQL_PATH, 'utf8').replace(/^--.*$/gm, '');
  const value = (name: string): string => {
    const v = (vars as unknown as Record<string, string | undefined>)[name];
    if (v === undefined) throw new Error(`roles.psql: variable ${name} is not set`);
    return v;
  };
  return text
    .replace(/:"([a-z_]+)"/g, (_m, name: string) => `"${value(name).replaceAll('"', '""')}"`)
    .replace(/:'([a-z_]+)'/g, (_m, name: string) => `'${value(name).replaceAll("'", "''")}'`)
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
