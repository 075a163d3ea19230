import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { clinics } from '../../../../db/schema/index';
import { loadDemoClinic } from '../../../../db/seed/demo-clinic';
import { seedDemoReports } from '../../../../db/seed/demo-reports';
import type { DocumentCipher } from '../documents/cipher';
import { hashPassword } from '../auth/password';
import { recordAuditEvent } from '../audit/audit-log';
import { isClinicSetUp } from './clinic';

export type DemoLoadResult = { ok: true; summary: Awaited<ReturnType<typeof loadDemoClinic>> } | { ok: false; message: string };

/**
 * "Load demo clinic" on the setup page and `npm run demo` both come here. With the document
 * cipher, Maria Garcia also gets a PDF lab report (encrypted like any upload) to share in a consult.
 */
export async function loadDemo(db: Database, source: { sourceAddress: string | null; requestId: string | null }, cipher?: DocumentCipher): Promise<DemoLoadResult> {
	if (await isClinicSetUp(db)) return { ok: false, message: 'A clinic is already set up here, so the demo clinic was not loaded.' };
	let summary: Awaited<ReturnType<typeof loadDemoClinic>>;
	try {
		summary = await loadDemoClinic(db, { hashPassword });
		await relaxDemoSignInPolicy(db, summary.clinicId);
		if (cipher) await seedDemoReports(db, (bytes) => cipher.seal(bytes));
	} catch (error) {
		// Two clicks at once: the loser's transaction finds the winner's clinic and rolls back.
		if (await isClinicSetUp(db)) return { ok: false, message: 'A clinic is already set up here, so the demo clinic was not loaded.' };
		throw error;
	}
	await recordAuditEvent(db, source, { action: 'clinic.demo_load', outcome: 'success', resourceType: 'clinic', resourceId: summary.clinicId });
	return { ok: true, summary };
}

/**
 * The demo clinic asks no one for a second factor at sign-in, so it can be tried with the
 * published demo passwords alone; a clinic made through /setup keeps the default (staff must
 * pass a second factor). Tests that load the demo clinic directly call this too.
 */
export async function relaxDemoSignInPolicy(db: Database, clinicId?: string): Promise<void> {
	await db
		.update(clinics)
		.set({ mfaRequiredRoles: [], updatedAt: new Date() })
		.where(clinicId ? eq(clinics.id, clinicId) : undefined);
}
