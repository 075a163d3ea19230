import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../../../db/testing';
import { auditEvents, conversationMembers, conversations, proxyGrants } from '../../../../db/schema/index';
import type { Actor } from './actor';
import { createConversation, setViewOnlyRoles } from '../messaging/conversations';
import { addMembers, removeMember, syncPatientThreadMembers } from '../messaging/members';
import { loadHistory } from '../messaging/history';
import { acceptMessage } from '../messaging/messages';
import { listContacts } from '../messaging/contacts';
import { ChatRefusal } from '../messaging/errors';
import { removeCareTeamMember } from '../admin/care-teams';
import { createChatTestClinic, createTestDevice, createTestSession, type ChatTestClinic } from '../messaging/testing';

async function refusal(promise: Promise<unknown>): Promise<string> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof ChatRefusal) return error.code;
		throw error;
	}
	throw new Error('expected a refusal');
}

describe.each(testDatabaseKinds)('who may be in which conversation (%s)', (kind) => {
	let database: TestDatabase;
	let clinic: ChatTestClinic;
	let a: ChatTestClinic['actors'];
	const membersOf = async (conversationId: string) =>
		new Map(
			(await database.db.select().from(conversationMembers).where(eq(conversationMembers.conversationId, conversationId))).map((m) => [m.userId, m.access])
		);
	const thread = async (actor: Actor, threadKind: 'care_team' | 'patient_care' | 'patient_appointments', patientId = clinic.patientId) =>
		(await createConversation(database.db, actor, { kind: threadKind, patientId })).conversation;

	beforeAll(async () => {
		database = await createTestDatabase(kind);
		clinic = await createChatTestClinic(database.db);
		a = clinic.actors;
	});
	afterAll(async () => {
		await database?.drop();
	});

	it('keeps staff chats among staff: patients, proxies and outside people can neither start one nor be added', async () => {
		for (const actor of [a.patient, a.recordsProxy, a.external]) {
			expect(await refusal(createConversation(database.db, actor, { kind: 'direct', memberUserIds: [a.teamPhysician.userId] }))).toBe('forbidden');
		}
		expect(await refusal(createConversation(database.db, a.teamPhysician, { kind: 'direct', memberUserIds: [a.patient.userId] }))).toBe('forbidden');
		const { conversation } = await createConversation(database.db, a.teamPhysician, { kind: 'group', title: 'Rounds', memberUserIds: [a.frontDesk.userId, clinic.billing.userId] });
		expect([...(await membersOf(conversation.id)).keys()].sort()).toEqual([a.teamPhysician.userId, a.frontDesk.userId, clinic.billing.userId].sort());
		expect(await refusal(addMembers(database.db, a.teamPhysician, { conversationId: conversation.id, userIds: [a.recordsProxy.userId] }))).toBe('forbidden');
		// The same two people always get the same direct conversation back.
		const first = await createConversation(database.db, a.teamPhysician, { kind: 'direct', memberUserIds: [a.outsideNurse.userId] });
		const again = await createConversation(database.db, a.outsideNurse, { kind: 'direct', memberUserIds: [a.teamPhysician.userId] });
		expect(again.conversation.id).toBe(first.conversation.id);
		expect(again.created).toBe(false);
		// The directory is for staff; a patient sees no one.
		expect((await listContacts(database.db, a.patient, { query: '' })).length).toBe(0);
		expect((await listContacts(database.db, a.teamPhysician, { query: 'brooks' })).map((c) => c.displayName)).toEqual(['Nia Brooks']);
	});

	it('puts only the care team’s physicians and nurses in the care-team thread; front desk, billing, outsiders and the patient are refused', async () => {
		for (const actor of [a.frontDesk, clinic.billing, a.outsidePhysician, a.patient, a.recordsProxy]) {
			expect(await refusal(createConversation(database.db, actor, { kind: 'care_team', patientId: clinic.patientId }))).toBe('forbidden');
		}
		const careTeam = await thread(clinic.teamNurse, 'care_team');
		expect(await membersOf(careTeam.id)).toEqual(new Map([[a.teamPhysician.userId, 'post'], [clinic.teamNurse.userId, 'post']]));
		// Audited through the access module, for the patient's trail.
		const audited = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'conversation.create'), eq(auditEvents.patientId, clinic.patientId)));
		expect(audited.some((e) => e.outcome === 'denied' && e.actorUserId === a.frontDesk.userId)).toBe(true);
		expect(audited.some((e) => e.outcome === 'success' && e.actorUserId === clinic.teamNurse.userId)).toBe(true);
	});

	it('lets the patient, a proxy with the messages scope and the care team use the patient thread; not a proxy without it, nor the front desk', async () => {
		const patientCare = await thread(a.patient, 'patient_care');
		expect(await membersOf(patientCare.id)).toEqual(
			new Map([
				[a.patient.userId, 'post'],
				[a.recordsProxy.userId, 'post'],
				[a.teamPhysician.userId, 'post'],
				[clinic.teamNurse.userId, 'post']
			])
		);
		expect(await refusal(createConversation(database.db, a.appointmentsProxy, { kind: 'patient_care', patientId: clinic.patientId }))).toBe('forbidden');
		expect(await refusal(createConversation(database.db, a.frontDesk, { kind: 'patient_care', patientId: clinic.patientId }))).toBe('forbidden');
		// A patient messages only their own care team.
		expect(await refusal(createConversation(database.db, a.patient, { kind: 'patient_care', patientId: clinic.otherPatientId }))).toBe('forbidden');
		// Members cannot be added or removed by hand: the rules decide.
		expect(await refusal(addMembers(database.db, a.teamPhysician, { conversationId: patientCare.id, userIds: [a.frontDesk.userId] }))).toBe('forbidden');
		expect(await refusal(removeMember(database.db, a.teamPhysician, { conversationId: patientCare.id, userId: a.patient.userId }))).toBe('forbidden');
	});

	it('lets the front desk message the patient and proxies about appointments, without clinicians', async () => {
		const appointments = await thread(a.appointmentsProxy, 'patient_appointments');
		expect(await membersOf(appointments.id)).toEqual(
			new Map([
				[a.patient.userId, 'post'],
				[a.recordsProxy.userId, 'post'],
				[a.appointmentsProxy.userId, 'post'],
				[a.frontDesk.userId, 'post']
			])
		);
		expect(await refusal(createConversation(database.db, a.teamPhysician, { kind: 'patient_appointments', patientId: clinic.patientId }))).toBe('forbidden');
	});

	it('gives view-only roles read access where the kind allows them, and a viewer cannot send', async () => {
		const appointments = await thread(a.frontDesk, 'patient_appointments');
		expect(await refusal(setViewOnlyRoles(database.db, a.frontDesk, { conversationId: appointments.id, roles: ['billing'] }))).toBe('forbidden');
		await setViewOnlyRoles(database.db, a.admin, { conversationId: appointments.id, roles: ['billing'] });
		const careTeam = await thread(a.teamPhysician, 'care_team');
		// The front desk never joins a clinical thread, not even to read; an administrator may.
		await setViewOnlyRoles(database.db, a.admin, { conversationId: careTeam.id, roles: ['front_desk', 'billing', 'clinic_admin'] });
		expect((await membersOf(appointments.id)).get(clinic.billing.userId)).toBe('read');
		const careTeamMembers = await membersOf(careTeam.id);
		expect(careTeamMembers.get(a.admin.userId)).toBe('read');
		expect(careTeamMembers.has(a.frontDesk.userId)).toBe(false);
		expect(careTeamMembers.has(clinic.billing.userId)).toBe(false);

		// A viewer reads history but is refused a send before anything is looked at.
		expect((await loadHistory(database.db, clinic.billing, { conversationId: appointments.id })).messages).toEqual([]);
		const device = await createTestDevice(database.db, clinic.billing.userId);
		const session = await createTestSession(database.db, device, appointments.id);
		const envelope = session.encrypt({ body: 'Invoice question', composedAt: Date.now() }, device.keys.signing.secretKey);
		expect(await refusal(acceptMessage(database.db, clinic.billing, { claimedDeviceId: device.deviceId }, { envelope }))).toBe('read_only');

		// Taking the role away takes the viewers out, and the epoch rises.
		const [beforeRemoval] = await database.db.select().from(conversations).where(eq(conversations.id, appointments.id));
		await setViewOnlyRoles(database.db, a.admin, { conversationId: appointments.id, roles: [] });
		expect((await membersOf(appointments.id)).has(clinic.billing.userId)).toBe(false);
		const [afterRemoval] = await database.db.select().from(conversations).where(eq(conversations.id, appointments.id));
		expect(afterRemoval!.keyEpoch).toBe(beforeRemoval!.keyEpoch + 1);
	});

	it('removes a proxy whose grant ended and a clinician who left the care team, raising the key epoch', async () => {
		const patientCare = await thread(a.patient, 'patient_care');
		const careTeam = await thread(a.teamPhysician, 'care_team');
		const before = { patientCare: patientCare.keyEpoch, careTeam: careTeam.keyEpoch };

		await database.db.update(proxyGrants).set({ revokedAt: new Date() }).where(eq(proxyGrants.proxyUserId, a.recordsProxy.userId));
		const changes = await syncPatientThreadMembers(database.db, clinic.patientId);
		expect(changes.find((c) => c.conversationId === patientCare.id)?.removed).toEqual([a.recordsProxy.userId]);
		expect((await membersOf(patientCare.id)).has(a.recordsProxy.userId)).toBe(false);
		// The proxy's membership is gone, and so is any way back in.
		expect(await refusal(loadHistory(database.db, a.recordsProxy, { conversationId: patientCare.id }))).toBe('not_member');

		await removeCareTeamMember(database.db, a.admin, clinic.patientId, a.teamPhysician.practitionerId!);
		for (const id of [patientCare.id, careTeam.id]) expect((await membersOf(id)).has(a.teamPhysician.userId)).toBe(false);
		const [pc] = await database.db.select().from(conversations).where(eq(conversations.id, patientCare.id));
		const [ct] = await database.db.select().from(conversations).where(eq(conversations.id, careTeam.id));
		expect(pc!.keyEpoch).toBe(before.patientCare + 2);
		expect(ct!.keyEpoch).toBe(before.careTeam + 1);
		expect(await refusal(createConversation(database.db, a.teamPhysician, { kind: 'care_team', patientId: clinic.patientId }))).toBe('forbidden');
	});
});
