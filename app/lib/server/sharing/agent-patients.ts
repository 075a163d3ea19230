import { asc, inArray } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { patients, type ProxyScope } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';
import { agentPatientIds } from '../access/patient-access';

export interface AgentPatient {
	patientId: string;
	givenName: string;
	familyName: string;
	self: boolean;
}

/**
 * The people whose records this portal user manages in `scope` (their own; and, for a proxy,
 * those whose grant carries it), for the person selector of the sharing and access-log pages.
 * Scoped by the access module; each page still authorizes the one it opens.
 */
export async function listAgentPatients(db: Database, actor: Actor, scope: ProxyScope): Promise<AgentPatient[]> {
	const ids = await agentPatientIds(db, actor, scope);
	if (ids.length === 0) return [];
	const rows = await db
		.select({ patientId: patients.id, givenName: patients.givenName, familyName: patients.familyName })
		.from(patients)
		.where(inArray(patients.id, ids))
		.orderBy(asc(patients.givenName), asc(patients.familyName));
	return rows.map((r) => ({ ...r, self: actor.role === 'patient' && r.patientId === actor.patientId }));
}
