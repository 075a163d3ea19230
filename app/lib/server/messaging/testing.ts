/**
 * Test-only helpers for messaging: the access tests' small clinic plus a nurse on the care team
 * and a billing account, and signed chat devices and sessions made with the real crypto.
 * Nothing in the app imports this file.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { careTeamMembers, careTeams, chatDevices, chatSessions, conversations, practitioners, users } from '../../../../db/schema/index';
import { createDeviceKeys, createIdentity, OutboundSession, ready, signDevice, type DeviceKeyPairs } from '../../chat/crypto/index';
import type { Actor } from '../access/actor';
import { createTestClinic, type TestClinic } from '../access/test-clinic';

export interface ChatTestClinic extends TestClinic {
	teamNurse: Actor;
	billing: Actor;
}

export async function createChatTestClinic(db: Database, passwordHash?: string): Promise<ChatTestClinic> {
	const clinic = await createTestClinic(db, passwordHash);
	const [nurse] = await db.insert(practitioners).values({ kind: 'nurse', givenName: 'Nia', familyName: 'Brooks', credentials: 'RN' }).returning();
	const [team] = await db.select({ id: careTeams.id }).from(careTeams).where(eq(careTeams.patientId, clinic.patientId));
	await db.insert(careTeamMembers).values({ careTeamId: team!.id, practitionerId: nurse!.id, role: 'member' });
	const [nurseUser, billingUser] = await db
		.insert(users)
		.values([
			{ email: 'brooks@clinic.example', role: 'nurse', displayName: 'Nia Brooks', passwordHash: passwordHash ?? 'not-a-real-hash', practitionerId: nurse!.id },
			{ email: 'billing@clinic.example', role: 'billing', displayName: 'Billing Office', passwordHash: passwordHash ?? 'not-a-real-hash' }
		])
		.returning();
	const actorOf = (u: typeof nurseUser): Actor => ({
		userId: u!.id,
		role: u!.role,
		displayName: u!.displayName,
		practitionerId: u!.practitionerId,
		patientId: u!.patientId,
		sessionId: randomUUID(),
		sourceAddress: '127.0.0.1',
		requestId: randomUUID()
	});
	return { ...clinic, teamNurse: actorOf(nurseUser), billing: actorOf(billingUser) };
}

export interface TestDevice {
	deviceId: string;
	userId: string;
	keys: DeviceKeyPairs;
}

/** A signed chat device of this person, stored as registration would store it. */
export async function createTestDevice(db: Database, userId: string, options: { signed?: boolean } = {}): Promise<TestDevice> {
	await ready();
	const identity = createIdentity();
	const keys = createDeviceKeys();
	const deviceId = randomUUID();
	const signature = signDevice(identity.secretKey, { userId, deviceId, signingKey: keys.signing.publicKey, boxKey: keys.box.publicKey });
	await db.insert(chatDevices).values({
		id: deviceId,
		userId,
		signingKey: keys.signing.publicKey,
		boxKey: keys.box.publicKey,
		signature: options.signed === false ? null : signature,
		label: 'Test device'
	});
	return { deviceId, userId, keys };
}

/** A sending session of this device in the conversation, registered at the conversation's current epoch. */
export async function createTestSession(db: Database, device: TestDevice, conversationId: string): Promise<OutboundSession> {
	await ready();
	const session = OutboundSession.create(conversationId, device.deviceId);
	const [conversation] = await db.select({ keyEpoch: conversations.keyEpoch }).from(conversations).where(eq(conversations.id, conversationId));
	await db.insert(chatSessions).values({ id: session.sessionId, conversationId, senderDeviceId: device.deviceId, senderUserId: device.userId, keyEpoch: conversation!.keyEpoch });
	return session;
}
