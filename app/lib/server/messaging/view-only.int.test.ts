import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, careTeamMembers, careTeams, conversationMembers, conversations } from '../../../../db/schema/index';
import { OutboundSession, ready } from '../../chat/crypto/index';
import { openAttachment, uploadAttachment } from './attachments';
import { createConversation, listViewOnlyThreads, setViewOnlyRolesForPatient } from './conversations';
import { shareRoomKey } from './room-keys';
import { createChatTestClinic, createTestDevice, type ChatTestClinic, type TestDevice } from './testing';

const refusal = (code: string) => expect.objectContaining({ name: 'ChatRefusal', code });

async function* bytes(total: number): AsyncGenerator<Uint8Array> {
	yield new Uint8Array(total).fill(9);
}

describe.each(testDatabaseKinds)('view-only roles and the live access re-check of patient threads (%s)', (kind) => {
	let t: TestDatabase;
	let clinic: ChatTestClinic;
	let dataDir: string;
	let ruizDevice: TestDevice;

	beforeAll(async () => {
		await ready();
		t = await createTestDatabase(kind);
		clinic = await createChatTestClinic(t.db);
		dataDir = mkdtempSync(path.join(tmpdir(), 'chat-view-only-test-'));
		ruizDevice = await createTestDevice(t.db, clinic.actors.teamPhysician.userId);
	});
	afterAll(async () => {
		await t?.drop();
		rmSync(dataDir, { recursive: true, force: true });
	});

	const accessOf = async (conversationId: string, userId: string) => {
		const [row] = await t.db
			.select({ access: conversationMembers.access })
			.from(conversationMembers)
			.where(and(eq(conversationMembers.conversationId, conversationId), eq(conversationMembers.userId, userId)));
		return row?.access ?? null;
	};

	it('an administrator makes billing a reader of a patient’s appointments thread (created on the spot), audited', async () => {
		const { admin } = clinic.actors;
		const thread = await setViewOnlyRolesForPatient(t.db, admin, { patientId: clinic.patientId, kind: 'patient_appointments', roles: ['billing'] });
		expect(thread.kind).toBe('patient_appointments');
		expect(thread.patientId).toBe(clinic.patientId);
		expect(thread.viewOnlyRoles).toEqual(['billing']);
		expect(await accessOf(thread.id, clinic.billing.userId)).toBe('read');
		// The front desk keeps writing there; the rules gave it that, not the viewer list.
		expect(await accessOf(thread.id, clinic.actors.frontDesk.userId)).toBe('post');

		const audit = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'conversation.member_add'), eq(auditEvents.resourceId, thread.id)));
		expect(audit.map((a) => a.reason)).toContain('view-only roles: billing');
		expect(audit.every((a) => a.patientId === clinic.patientId)).toBe(true);

		// Saving again names the same thread, and taking the role away takes billing out.
		const again = await setViewOnlyRolesForPatient(t.db, admin, { patientId: clinic.patientId, kind: 'patient_appointments', roles: [] });
		expect(again.id).toBe(thread.id);
		expect(await accessOf(thread.id, clinic.billing.userId)).toBeNull();
		expect((await listViewOnlyThreads(t.db, admin)).some((x) => x.conversationId === thread.id)).toBe(false);
	});

	it('on a clinical thread an administrator can be a reader, billing never', async () => {
		const { admin } = clinic.actors;
		const thread = await setViewOnlyRolesForPatient(t.db, admin, { patientId: clinic.patientId, kind: 'care_team', roles: ['billing', 'clinic_admin'] });
		expect(await accessOf(thread.id, admin.userId)).toBe('read');
		expect(await accessOf(thread.id, clinic.billing.userId)).toBeNull();
		const listed = await listViewOnlyThreads(t.db, admin);
		expect(listed).toContainEqual(expect.objectContaining({ conversationId: thread.id, patientId: clinic.patientId, kind: 'care_team', viewOnlyRoles: ['billing', 'clinic_admin'] }));

		// A reader cannot start a sending session there.
		const session = OutboundSession.create(thread.id, ruizDevice.deviceId);
		const adminDevice = await createTestDevice(t.db, admin.userId);
		await expect(shareRoomKey(t.db, admin, adminDevice.deviceId, { conversationId: thread.id, sessionId: session.sessionId, shares: [] })).rejects.toEqual(refusal('read_only'));
	});

	it('refuses anyone but an administrator, and bad input, in words, changing nothing', async () => {
		const before = await t.db.select({ id: conversations.id }).from(conversations);
		const good = { patientId: clinic.otherPatientId, kind: 'patient_care', roles: ['clinic_admin'] };
		for (const actor of [clinic.actors.teamPhysician, clinic.billing, clinic.actors.frontDesk, clinic.actors.patient]) {
			await expect(setViewOnlyRolesForPatient(t.db, actor, good)).rejects.toEqual(refusal('forbidden'));
			await expect(listViewOnlyThreads(t.db, actor)).rejects.toEqual(refusal('forbidden'));
		}
		const { admin } = clinic.actors;
		for (const bad of [
			{ ...good, kind: 'group' },
			{ ...good, patientId: 'not-a-uuid' },
			{ ...good, roles: ['patient'] },
			{ ...good, extra: 1 },
			null
		]) {
			const error = await setViewOnlyRolesForPatient(t.db, admin, bad).catch((e: unknown) => e);
			expect(error).toEqual(refusal('invalid'));
			expect((error as Error).message.length).toBeGreaterThan(10);
		}
		await expect(setViewOnlyRolesForPatient(t.db, admin, { ...good, patientId: '00000000-0000-4000-8000-000000000000' })).rejects.toEqual(refusal('not_found'));
		expect(await t.db.select({ id: conversations.id }).from(conversations)).toHaveLength(before.length);
	});

	it('a relationship that ended refuses attachment downloads and key shares at once, though the membership row is still there', async () => {
		const ruiz = clinic.actors.teamPhysician;
		const { conversation } = await createConversation(t.db, ruiz, { kind: 'patient_care', patientId: clinic.patientId });
		const { attachmentId } = await uploadAttachment(t.db, ruiz, { dataDir, maxPlaintextBytes: 100_000 }, { conversationId: conversation.id, body: bytes(200), declaredLength: 200 });

		// Still on the team: the download goes through and is in the patient's audit trail.
		const file = await openAttachment(t.db, ruiz, dataDir, attachmentId);
		let read = 0;
		for await (const chunk of file.stream) read += (chunk as Buffer).length;
		expect(read).toBe(200);
		const reads = await t.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.action, 'chat.attachment_download'), eq(auditEvents.patientId, clinic.patientId), eq(auditEvents.actorUserId, ruiz.userId)));
		expect(reads.some((r) => r.outcome === 'success' && r.resourceType === 'conversation' && r.resourceId === conversation.id)).toBe(true);

		// Taken off the care team behind the messaging module's back (no membership sync).
		const [team] = await t.db.select({ id: careTeams.id }).from(careTeams).where(eq(careTeams.patientId, clinic.patientId));
		await t.db.delete(careTeamMembers).where(and(eq(careTeamMembers.careTeamId, team!.id), eq(careTeamMembers.practitionerId, ruiz.practitionerId!)));
		expect(await accessOf(conversation.id, ruiz.userId)).toBe('post');

		await expect(openAttachment(t.db, ruiz, dataDir, attachmentId)).rejects.toEqual(refusal('forbidden'));
		const session = OutboundSession.create(conversation.id, ruizDevice.deviceId);
		await expect(shareRoomKey(t.db, ruiz, ruizDevice.deviceId, { conversationId: conversation.id, sessionId: session.sessionId, shares: [] })).rejects.toEqual(refusal('forbidden'));
		const denied = await t.db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.outcome, 'denied'), eq(auditEvents.patientId, clinic.patientId), eq(auditEvents.actorUserId, ruiz.userId)));
		expect(denied.map((d) => d.action)).toEqual(expect.arrayContaining(['chat.attachment_download', 'message.send']));
		await expect(uploadAttachment(t.db, ruiz, { dataDir, maxPlaintextBytes: 100_000 }, { conversationId: conversation.id, body: bytes(200), declaredLength: 200 })).rejects.toEqual(
			refusal('forbidden')
		);
	});
});
