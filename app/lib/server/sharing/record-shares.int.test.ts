import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, outboxMessages, recordShares, users } from '../../../../db/schema/index';
import { AccessDenied } from '../access/errors';
import { onAccessEvent, type AccessEvent } from '../access/access-events';
import { authorizePatient, externalPatientIds } from '../access/patient-access';
import { clinicDatePlus, createTestClinic, type TestClinic } from '../access/test-clinic';
import { InvalidShare, createRecordShare, listRecordShares, listShareablePractitioners, revokeRecordShare } from './record-shares';
import { getSharedRecord, listRecordsSharedWithMe } from './shared-records';
import type { Actor } from '../access/actor';

const origin = 'http://localhost:3000';

describe.each(testDatabaseKinds)('patient-controlled sharing on %s', (kind) => {
	let database: TestDatabase;
	let clinic: TestClinic;

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createTestClinic(database.db);
	}, 120_000);
	afterAll(async () => {
		await database?.drop();
	});

	const lastAudit = async (actor: Actor, action: string) => {
		const rows = await database.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.actorUserId, actor.userId), eq(auditEvents.action, action)));
		return rows.sort((a, b) => b.id - a.id)[0];
	};

	it('denies an outside person everything until a share names a part', async () => {
		const { external } = clinic.actors;
		await expect(authorizePatient(database.db, external, clinic.patientId, { action: 'patient.view', require: [] })).rejects.toBeInstanceOf(AccessDenied);
		expect(await lastAudit(external, 'patient.view')).toMatchObject({ outcome: 'denied', reason: 'no relationship', patientId: clinic.patientId });
		expect(await externalPatientIds(database.db, external)).toEqual([]);
	});

	it('grants an outside person only the shared parts of only that patient, and names the share in the audit reason', async () => {
		const { patient, external } = clinic.actors;
		const { shareId, invited } = await createRecordShare(
			database.db,
			patient,
			clinic.patientId,
			{ parts: ['clinical'], endDate: clinicDatePlus(30), recipient: { kind: 'external', displayName: 'Dr. Outside Specialist', email: 'Specialist@Elsewhere.example' } },
			{ origin }
		);
		// The outside person already had an account: it is reused, and told by email.
		expect(invited).toBe(false);
		const [mail] = await database.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `record-share:${shareId}`));
		expect(mail?.recipient).toBe('specialist@elsewhere.example');

		const access = await authorizePatient(database.db, external, clinic.patientId, { action: 'patient.view', require: ['clinical'] });
		expect([...access.parts]).toEqual(['clinical']);
		expect(await lastAudit(external, 'patient.view')).toMatchObject({ outcome: 'success', reason: `via share ${shareId}; parts: clinical` });

		for (const part of ['demographics', 'codes', 'documents'] as const) {
			await expect(authorizePatient(database.db, external, clinic.patientId, { action: 'patient.view', require: [part] })).rejects.toBeInstanceOf(AccessDenied);
		}
		await expect(authorizePatient(database.db, external, clinic.otherPatientId, { action: 'patient.view', require: [] })).rejects.toBeInstanceOf(AccessDenied);

		const record = await getSharedRecord(database.db, external, clinic.patientId);
		expect(record.name).toEqual({ givenName: 'Maria', familyName: 'Lopez' });
		expect(record.clinical).not.toBeNull();
		expect(record.demographics).toBeNull();
		expect(record.codes).toBeNull();
		expect(record.documents).toBeNull();
		expect(await listRecordsSharedWithMe(database.db, external)).toEqual([expect.objectContaining({ patientId: clinic.patientId, parts: ['clinical'] })]);
		expect(await lastAudit(patient, 'share.create')).toMatchObject({ outcome: 'success', resourceId: shareId, patientId: clinic.patientId });
	});

	it('invites a new outside person as an external account, with the invitation in the outbox', async () => {
		const { patient } = clinic.actors;
		const { granteeUserId, invited } = await createRecordShare(
			database.db,
			patient,
			clinic.patientId,
			{ parts: ['documents'], endDate: clinicDatePlus(7), recipient: { kind: 'external', displayName: 'Sam Neighbour', email: 'sam@neighbour.example' } },
			{ origin }
		);
		expect(invited).toBe(true);
		const [account] = await database.db.select().from(users).where(eq(users.id, granteeUserId));
		expect(account).toMatchObject({ role: 'external', email: 'sam@neighbour.example', displayName: 'Sam Neighbour' });
		const mails = await database.db.select().from(outboxMessages).where(eq(outboxMessages.recipient, 'sam@neighbour.example'));
		expect(mails.map((m) => m.topic)).toEqual(['invitation']);
	});

	it('adds shared parts to a practitioner outside the care team', async () => {
		const { patient, outsidePhysician } = clinic.actors;
		const before = await authorizePatient(database.db, outsidePhysician, clinic.patientId, { action: 'patient.view' });
		expect([...before.parts]).toEqual(['demographics']);

		const choosable = await listShareablePractitioners(database.db, { patientId: clinic.patientId, via: 'self' });
		expect(choosable.map((p) => p.userId)).toContain(outsidePhysician.userId);
		expect(choosable.map((p) => p.userId)).not.toContain(clinic.actors.teamPhysician.userId);

		const { shareId } = await createRecordShare(
			database.db,
			patient,
			clinic.patientId,
			{ parts: ['codes'], endDate: clinicDatePlus(1), recipient: { kind: 'practitioner', userId: outsidePhysician.userId } },
			{ origin }
		);
		const after = await authorizePatient(database.db, outsidePhysician, clinic.patientId, { action: 'patient.view', require: ['codes'] });
		expect([...after.parts]).toEqual(['demographics', 'codes']);
		expect(after.via).toEqual(['role physician', `share ${shareId}`]);
		await expect(authorizePatient(database.db, outsidePhysician, clinic.patientId, { action: 'patient.view', require: ['clinical'] })).rejects.toBeInstanceOf(AccessDenied);

		// The care team is not choosable: it sees the record already.
		await expect(
			createRecordShare(
				database.db,
				patient,
				clinic.patientId,
				{ parts: ['codes'], endDate: clinicDatePlus(1), recipient: { kind: 'practitioner', userId: clinic.actors.teamPhysician.userId } },
				{ origin }
			)
		).rejects.toMatchObject({ field: 'practitioner' });
	});

	it('denies through an expired share', async () => {
		const { outsideNurse } = clinic.actors;
		const [share] = await database.db
			.insert(recordShares)
			.values({ patientId: clinic.patientId, granteeUserId: outsideNurse.userId, parts: ['clinical'], expiresAt: new Date(Date.now() - 1000) })
			.returning();
		await expect(authorizePatient(database.db, outsideNurse, clinic.patientId, { action: 'patient.view', require: ['clinical'] })).rejects.toBeInstanceOf(AccessDenied);
		expect(await lastAudit(outsideNurse, 'patient.view')).toMatchObject({ outcome: 'denied', reason: 'missing: clinical; via role nurse' });
		const shares = await listRecordShares(database.db, { patientId: clinic.patientId, via: 'self' });
		expect(shares.find((s) => s.id === share!.id)?.status).toBe('expired');
	});

	it('revokes at once: access is denied, the revocation is audited and open connections are told', async () => {
		const { recordsProxy } = clinic.actors;
		const [outsider] = await database.db
			.insert(users)
			.values({ email: 'revoked@elsewhere.example', role: 'external', displayName: 'Soon Revoked', passwordHash: 'x' })
			.returning();
		const grantee: Actor = { ...clinic.actors.external, userId: outsider!.id, displayName: outsider!.displayName };
		// A proxy with the records scope shares for the patient.
		const { shareId } = await createRecordShare(
			database.db,
			recordsProxy,
			clinic.patientId,
			{ parts: ['demographics', 'clinical'], endDate: clinicDatePlus(2), recipient: { kind: 'external', displayName: 'Soon Revoked', email: 'revoked@elsewhere.example' } },
			{ origin }
		);
		await authorizePatient(database.db, grantee, clinic.patientId, { action: 'patient.view', require: ['clinical'] });

		const events: AccessEvent[] = [];
		const stop = onAccessEvent((event) => events.push(event));
		try {
			expect(await revokeRecordShare(database.db, recordsProxy, shareId)).toEqual({ revoked: true });
			// Revoking twice changes nothing and tells no one again.
			expect(await revokeRecordShare(database.db, recordsProxy, shareId)).toEqual({ revoked: false });
		} finally {
			stop();
		}
		expect(events).toEqual([{ kind: 'access-revoked', userId: grantee.userId, patientId: clinic.patientId, cause: `share ${shareId}` }]);
		await expect(authorizePatient(database.db, grantee, clinic.patientId, { action: 'patient.view', require: [] })).rejects.toBeInstanceOf(AccessDenied);
		expect(await lastAudit(recordsProxy, 'share.revoke')).toMatchObject({ outcome: 'success', resourceId: shareId, reason: `via proxy grant; from user ${grantee.userId}` });
		const shares = await listRecordShares(database.db, { patientId: clinic.patientId, via: 'proxy grant' });
		expect(shares.find((s) => s.id === shareId)?.status).toBe('revoked');
	});

	it('lets only the patient and proxies with the records scope share or revoke', async () => {
		const input = { parts: ['clinical' as const], endDate: clinicDatePlus(3), recipient: { kind: 'external' as const, displayName: 'X', email: 'x@elsewhere.example' } };
		for (const actor of [clinic.actors.appointmentsProxy, clinic.actors.teamPhysician, clinic.actors.external]) {
			await expect(createRecordShare(database.db, actor, clinic.patientId, input, { origin })).rejects.toBeInstanceOf(AccessDenied);
			expect(await lastAudit(actor, 'share.create')).toMatchObject({ outcome: 'denied' });
		}
		const [share] = await database.db.select().from(recordShares).where(eq(recordShares.patientId, clinic.patientId)).limit(1);
		await expect(revokeRecordShare(database.db, clinic.actors.appointmentsProxy, share!.id)).rejects.toBeInstanceOf(AccessDenied);
	});

	it('refuses an end date past one year, no parts, and an email that belongs to another kind of account', async () => {
		const { patient } = clinic.actors;
		const share = (overrides: Partial<Parameters<typeof createRecordShare>[3]>) =>
			createRecordShare(
				database.db,
				patient,
				clinic.patientId,
				{ parts: ['clinical'], endDate: clinicDatePlus(10), recipient: { kind: 'external', displayName: 'Y', email: 'y@elsewhere.example' }, ...overrides },
				{ origin }
			);
		await expect(share({ endDate: clinicDatePlus(400) })).rejects.toMatchObject({ field: 'endDate', message: 'You can share for up to one year. Choose an earlier day.' });
		await expect(share({ endDate: clinicDatePlus(-1) })).rejects.toMatchObject({ field: 'endDate' });
		await expect(share({ parts: [] })).rejects.toBeInstanceOf(InvalidShare);
		await expect(share({ recipient: { kind: 'external', displayName: 'Dr. Ruiz', email: 'ruiz@clinic.example' } })).rejects.toMatchObject({ field: 'email' });
		// Nothing of the refused shares was written.
		expect(await database.db.select().from(users).where(eq(users.email, 'y@elsewhere.example'))).toEqual([]);
	});
});
