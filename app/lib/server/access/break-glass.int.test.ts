import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents } from '../../../../db/schema/index';
import type { Actor } from './actor';
import { onAccessEvent, type AccessEvent } from './access-events';
import { BreakGlassNotNeeded, InvalidBreakGlass, breakGlass, breakGlassMinutes, currentBreakGlass, endBreakGlass, listBreakGlassAccesses } from './break-glass';
import { AccessDenied } from './errors';
import { authorizePatient } from './patient-access';
import { createTestClinic, type TestClinic } from './test-clinic';

describe.each(testDatabaseKinds)('break the glass on %s', (kind) => {
	let database: TestDatabase;
	let clinic: TestClinic;

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createTestClinic(database.db);
	}, 120_000);
	afterAll(async () => {
		await database?.drop();
	});

	const auditOf = async (actor: Actor, action: string) =>
		(await database.db.select().from(auditEvents).where(and(eq(auditEvents.actorUserId, actor.userId), eq(auditEvents.action, action)))).sort((a, b) => a.id - b.id);
	const clinical = (actor: Actor) => authorizePatient(database.db, actor, clinic.patientId, { action: 'patient.view', require: ['clinical'] });

	it('denies the chart to a physician outside the care team before, and opens it after, with the reason audited', async () => {
		const { outsidePhysician } = clinic.actors;
		await expect(clinical(outsidePhysician)).rejects.toBeInstanceOf(AccessDenied);
		expect(await currentBreakGlass(database.db, outsidePhysician, clinic.patientId)).toBeNull();

		const reason = 'Patient collapsed in the waiting room; need allergies now';
		const started = Date.now();
		const access = await breakGlass(database.db, outsidePhysician, clinic.patientId, { reason, confirmed: true });
		expect(access.reason).toBe(reason);
		expect(access.expiresAt.getTime() - access.startedAt.getTime()).toBe(breakGlassMinutes * 60_000);
		expect(access.startedAt.getTime()).toBeGreaterThanOrEqual(started - 1000);

		const granted = await clinical(outsidePhysician);
		expect([...granted.parts]).toEqual(['demographics', 'codes', 'clinical', 'documents']);
		expect(granted.via).toEqual(['role physician', `break-glass ${access.id}`]);
		expect(await currentBreakGlass(database.db, outsidePhysician, clinic.patientId)).toMatchObject({ id: access.id, reason });

		const [breakEvent] = await auditOf(outsidePhysician, 'patient.break_glass');
		expect(breakEvent).toMatchObject({ outcome: 'success', patientId: clinic.patientId, resourceType: 'break_glass', resourceId: access.id, reason });
		const views = await auditOf(outsidePhysician, 'patient.view');
		expect(views.map((v) => [v.outcome, v.reason])).toEqual([
			['denied', 'missing: clinical; via role physician'],
			['success', `via role physician, break-glass ${access.id}; parts: demographics,codes,clinical,documents`]
		]);
	});

	it('asks for a reason of at least 10 characters and a confirmation, in plain words', async () => {
		const { outsideNurse } = clinic.actors;
		await expect(breakGlass(database.db, outsideNurse, clinic.patientId, { reason: '  urgent  ', confirmed: true })).rejects.toEqual(
			new InvalidBreakGlass('reason', 'Say why you need this record now, in at least 10 characters.')
		);
		await expect(breakGlass(database.db, outsideNurse, clinic.patientId, { reason: 'Needed for an emergency transfer', confirmed: false })).rejects.toMatchObject({
			field: 'confirm'
		});
		await expect(clinical(outsideNurse)).rejects.toBeInstanceOf(AccessDenied);
	});

	it('refuses roles that may not break the glass, and audits the refusal', async () => {
		const { frontDesk } = clinic.actors;
		await expect(breakGlass(database.db, frontDesk, clinic.patientId, { reason: 'I would like to see everything', confirmed: true })).rejects.toBeInstanceOf(AccessDenied);
		expect(await auditOf(frontDesk, 'patient.break_glass')).toEqual([expect.objectContaining({ outcome: 'denied', reason: 'role front_desk may not break the glass' })]);
		await expect(breakGlass(database.db, clinic.actors.teamPhysician, clinic.patientId, { reason: 'On the team already though', confirmed: true })).rejects.toBeInstanceOf(
			BreakGlassNotNeeded
		);
	});

	it('expires after 60 minutes', async () => {
		const { outsideNurse } = clinic.actors;
		const now = new Date();
		const long = await breakGlass(database.db, outsideNurse, clinic.patientId, { reason: 'Overnight emergency, on call', confirmed: true }, { now: new Date(now.getTime() - 61 * 60_000) });
		expect(long.expiresAt.getTime()).toBeLessThan(now.getTime());
		await expect(clinical(outsideNurse)).rejects.toBeInstanceOf(AccessDenied);
		expect(await currentBreakGlass(database.db, outsideNurse, clinic.patientId)).toBeNull();

		// 59 minutes in, it still holds.
		const recent = await breakGlass(database.db, outsideNurse, clinic.patientId, { reason: 'Second emergency, still on call', confirmed: true }, { now: new Date(now.getTime() - 59 * 60_000) });
		expect((await clinical(outsideNurse)).via).toContain(`break-glass ${recent.id}`);
	});

	it('ends early when asked, and tells open connections', async () => {
		const { outsideNurse } = clinic.actors;
		const events: AccessEvent[] = [];
		const stop = onAccessEvent((event) => events.push(event));
		try {
			expect(await endBreakGlass(database.db, outsideNurse, clinic.patientId)).toBe(true);
		} finally {
			stop();
		}
		expect(events).toEqual([expect.objectContaining({ kind: 'access-revoked', userId: outsideNurse.userId, patientId: clinic.patientId })]);
		await expect(clinical(outsideNurse)).rejects.toBeInstanceOf(AccessDenied);
		expect(await auditOf(outsideNurse, 'patient.break_glass_end')).toHaveLength(1);
		expect(await endBreakGlass(database.db, outsideNurse, clinic.patientId)).toBe(false);
	});

	it('lists every emergency access for clinic administrators only, and audits the review', async () => {
		const review = await listBreakGlassAccesses(database.db, clinic.actors.admin);
		expect(review.total).toBe(3);
		expect(review.rows[0]).toMatchObject({ userName: 'Dr. Ben Okafor', patientName: 'Maria Lopez', patientMrn: clinic.mrn, active: true });
		expect(review.rows.filter((r) => !r.active)).toHaveLength(2);
		expect(await auditOf(clinic.actors.admin, 'audit.view')).toEqual([expect.objectContaining({ outcome: 'success', resourceType: 'break_glass' })]);

		await expect(listBreakGlassAccesses(database.db, clinic.actors.outsidePhysician)).rejects.toBeInstanceOf(AccessDenied);
		expect(await auditOf(clinic.actors.outsidePhysician, 'audit.view')).toEqual([expect.objectContaining({ outcome: 'denied' })]);
	});
});
