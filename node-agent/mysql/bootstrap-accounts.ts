/** Accounts: exist, use mysql_native_password with the password from its file, hold exactly their privileges. */
import type { AccountSpec, Privilege } from './bootstrap-plan';
import { nativePasswordHash } from './bootstrap-plan';
import type { BootstrapStep, Sql } from './bootstrap-types';

/** The account's privileges as `object:PRIVILEGE`, read from information_schema. */
async function currentPrivileges(sql: Sql, user: string, host: string): Promise<Set<Privilege>> {
  const grantee = `'${user}'@'${host}'`;
  const found = new Set<Privilege>();
  const rows = await sql<{ obj: string; priv: string; grantable: string }>(
    `SELECT '*.*' AS obj, PRIVILEGE_TYPE AS priv, IS_GRANTABLE AS grantable FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?
     UNION ALL SELECT CONCAT(TABLE_SCHEMA, '.*'), PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ?
     UNION ALL SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME), PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = ?
     UNION ALL SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME, '(', COLUMN_NAME, ')'), PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.COLUMN_PRIVILEGES WHERE GRANTEE = ?`,
    [grantee, grantee, grantee, grantee],
  );
  for (const r of rows) {
    if (r.priv !== 'USAGE') found.add(`${r.obj}:${r.priv}`);
    if (r.grantable === 'YES') found.add(`${r.obj}:GRANT OPTION`);
  }
  return found;
}

/** `GRANT a, b ON obj TO ...` statements for a privilege set, one per object. */
function grantStatements(privileges: readonly Privilege[]): { on: string; privs: string }[] {
  const byObject = new Map<string, string[]>();
  for (const p of privileges) {
    const at = p.indexOf(':');
    const obj = p.slice(0, at);
    byObject.set(obj, [...(byObject.get(obj) ?? []), p.slice(at + 1)]);
  }
  return [...byObject].map(([obj, privs]) => ({ on: obj === '*.*' ? '*.*' : obj.split('.').map((x) => `\`${x}\``).join('.'), privs: privs.join(', ') }));
}

/**
 * Creates or corrects one account. Returns its steps and whether its password changed (a changed
 * replication password also has to go into CHANGE MASTER).
 */
export async function ensureAccount(sql: Sql, spec: AccountSpec, password: string): Promise<{ steps: BootstrapStep[]; passwordChanged: boolean }> {
  const item = `account ${spec.user}@${spec.host} (${spec.role})`;
  const steps: BootstrapStep[] = [];
  const [row] = await sql<{ plugin: string | null; auth: string | null }>(
    `SELECT JSON_VALUE(Priv, '$.plugin') AS plugin, JSON_VALUE(Priv, '$.authentication_string') AS auth
       FROM mysql.global_priv WHERE User = ? AND Host = ?`,
    [spec.user, spec.host],
  );
  let passwordChanged = false;
  if (!row) {
    await sql(`CREATE USER ?@? IDENTIFIED VIA mysql_native_password USING PASSWORD(?)`, [spec.user, spec.host, password]);
    steps.push({ item, changed: true, detail: 'created (mysql_native_password)' });
    passwordChanged = true;
  } else if (row.plugin !== 'mysql_native_password' || row.auth !== nativePasswordHash(password)) {
    await sql(`ALTER USER ?@? IDENTIFIED VIA mysql_native_password USING PASSWORD(?)`, [spec.user, spec.host, password]);
    steps.push({ item, changed: true, detail: `password set from ${spec.passwordFile} (mysql_native_password)` });
    passwordChanged = true;
  } else {
    steps.push({ item, changed: false, detail: 'exists, password matches its file' });
  }

  const want = new Set(spec.privileges);
  const have = await currentPrivileges(sql, spec.user, spec.host);
  const same = want.size === have.size && [...want].every((p) => have.has(p));
  const shown = spec.privileges.length ? spec.privileges.join(', ') : 'none (USAGE)';
  if (same) {
    steps.push({ item: `${item} privileges`, changed: false, detail: shown });
  } else {
    // Least privilege: anything beyond the spec is taken away, then the spec is granted.
    if (have.size) await sql(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@?`, [spec.user, spec.host]);
    for (const g of grantStatements(spec.privileges)) await sql(`GRANT ${g.privs} ON ${g.on} TO ?@?`, [spec.user, spec.host]);
    const removed = [...have].filter((p) => !want.has(p));
    steps.push({ item: `${item} privileges`, changed: true, detail: `set to ${shown}${removed.length ? `; revoked ${removed.join(', ')}` : ''}` });
  }
  return { steps, passwordChanged };
}
