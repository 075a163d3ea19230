import { and, eq, or } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { users } from '../../../../db/schema/index';

/** Who hears about a patient's answer or a flagged visit: the provider's own account(s) and the front desk. */
export async function appointmentStaffUserIds(db: Database, practitionerId: string): Promise<string[]> {
	const rows = await db
		.select({ id: users.id })
		.from(users)
		.where(and(eq(users.active, true), or(eq(users.practitionerId, practitionerId), eq(users.role, 'front_desk'))));
	return rows.map((r) => r.id);
}
