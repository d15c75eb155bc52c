import { parseArgs } from 'node:util';
import { ApiKeyService } from '../../api/auth/api-key-service.js';
import { ROLES, isRole } from '../../api/auth/roles.js';
import { openStore } from '../../api/api-runtime.js';
import { UsageError, type Command } from '../command.js';

const usage = `gridwatch keys <create|list|revoke> [options]

Manages API keys in the configured store (DATABASE_URL, or the embedded one in GRIDWATCH_DATA_DIR).

  gridwatch keys create --role <role> [--name <text>]   prints the new key once; it cannot be shown again
  gridwatch keys list                                   prefix, role, name, created, last used, revoked
  gridwatch keys revoke <prefix>                        the key stops working at once

Roles: ${ROLES.join(', ')}.
The embedded store has one writer: stop 'gridwatch serve' first, or use DATABASE_URL.`;

export const keysCommand: Command = {
  name: 'keys',
  summary: 'create, list and revoke API keys',
  usage,
  async run(args, { config, io }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { role: { type: 'string' }, name: { type: 'string' } },
    });
    const [action, ...rest] = positionals;
    if (action === 'create') {
      if (rest.length > 0) throw new UsageError('create takes no positional arguments');
      if (!values.role) throw new UsageError('--role is required');
      if (!isRole(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    } else if (action === 'list') {
      if (rest.length > 0 || values.role || values.name) throw new UsageError('list takes no arguments');
    } else if (action === 'revoke') {
      if (rest.length !== 1) throw new UsageError('revoke takes exactly one key prefix');
    } else {
      throw new UsageError('give an action: create, list or revoke');
    }

    const { db } = await openStore(config);
    try {
      const keys = new ApiKeyService(db);
      if (action === 'create') {
        const { key, info } = await keys.create(values.role as string, values.name);
        io.out(key);
        io.err(
          `created ${info.role} key ${info.prefix}${info.name ? ` (${info.name})` : ''}; store it now, it is not shown again`,
        );
        return 0;
      }
      if (action === 'list') {
        for (const k of await keys.list()) {
          const state = k.revokedAt ? `revoked ${k.revokedAt}` : `last used ${k.lastUsedAt ?? 'never'}`;
          io.out(
            `${k.prefix}  ${k.role.padEnd(8)}  ${(k.name ?? '-').padEnd(20)}  created ${k.createdAt}  ${state}`,
          );
        }
        return 0;
      }
      const prefix = rest[0] as string;
      if (!(await keys.revoke(prefix))) {
        io.err(`gridwatch keys: no active key with prefix '${prefix}'`);
        return 1;
      }
      io.out(`revoked ${prefix}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
