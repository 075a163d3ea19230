import { and, asc, eq, ilike, inArray, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { users } from '../../../../db/schema/index';
import type { ChatContact } from '../../chat/protocol';
import { isStaff, staffRoles, type Actor } from '../access/actor';
import { ChatRefusal } from './errors';

/**
 * The staff directory for starting a chat: active staff accounts by name. Patients and proxies
 * get no one (they write to their care team through their patient threads), and neither do
 * outside people.
 */

const contactsSchema = z.object({ query: z.string().max(100, 'Search with fewer words.') }).strict();
const pageSize = 50;

export async function listContacts(db: Database, actor: Actor, input: unknown): Promise<ChatContact[]> {
	const parsed = contactsSchema.safeParse(input);
	if (!parsed.success) throw new ChatRefusal('invalid', parsed.error.issues[0]?.message ?? 'That search is not valid.');
	if (!isStaff(actor)) return [];
	const query = parsed.data.query.trim();
	// LIKE's own wildcards in a name search are literal characters.
	const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
	const rows = await db
		.select({ userId: users.id, displayName: users.displayName, role: users.role })
		.from(users)
		.where(and(eq(users.active, true), inArray(users.role, [...staffRoles]), ne(users.id, actor.userId), query ? ilike(users.displayName, pattern) : undefined))
		.orderBy(asc(users.displayName))
		.limit(pageSize);
	return rows;
}
