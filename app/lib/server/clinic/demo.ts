import type { Database } from '../../../../db/client';
import { loadDemoClinic } from '../../../../db/seed/demo-clinic';
import { hashPassword } from '../auth/password';
import { recordAuditEvent } from '../audit/audit-log';
import { isClinicSetUp } from './clinic';

export type DemoLoadResult = { ok: true; summary: Awaited<ReturnType<typeof loadDemoClinic>> } | { ok: false; message: string };

/** "Load demo clinic" on the setup page and `npm run demo` both come here. */
export async function loadDemo(db: Database, source: { sourceAddress: string | null; requestId: string | null }): Promise<DemoLoadResult> {
	if (await isClinicSetUp(db)) return { ok: false, message: 'A clinic is already set up here, so the demo clinic was not loaded.' };
	let summary: Awaited<ReturnType<typeof loadDemoClinic>>;
	try {
		summary = await loadDemoClinic(db, { hashPassword });
	} catch (error) {
		// Two clicks at once: the loser's transaction finds the winner's clinic and rolls back.
		if (await isClinicSetUp(db)) return { ok: false, message: 'A clinic is already set up here, so the demo clinic was not loaded.' };
		throw error;
	}
	await recordAuditEvent(db, source, { action: 'clinic.demo_load', outcome: 'success', resourceType: 'clinic', resourceId: summary.clinicId });
	return { ok: true, summary };
}
