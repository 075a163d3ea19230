/**
 * The benchmark's people: each has an identity key and one signed device, made with the real
 * crypto (app/lib/chat/crypto). For our server they are written straight into a fresh
 * PostgreSQL database with the demo clinic (users, sessions, identities, signed devices): going
 * through keys:setup would cost each person an Argon2id key backup, minutes of setup that the
 * benchmark does not measure. Conversations and room keys then go through the real socket API.
 */
import { randomUUID } from 'node:crypto';
import { chatDevices, chatIdentities, sessions, users } from '../../db/schema/index';
import { insertInBatches } from '../../db/seed/batch-insert';
import { generateSessionToken, sessionCookieName, sessionIdFromToken } from '../../app/lib/server/auth/session';
import { createDeviceKeys, createIdentity, signDevice, type DeviceKeyPairs, type KeyPair } from '../../app/lib/chat/crypto/index';
import { createTestClinic, type TestClinic } from '../../collab-server/testing/test-clinic';

export interface BenchPerson {
	index: number;
	userId: string;
	deviceId: string;
	identity: KeyPair;
	device: DeviceKeyPairs;
	signature: string;
}

/** Call after crypto's ready(). */
export function makePeople(count: number): BenchPerson[] {
	return Array.from({ length: count }, (_, index) => {
		const userId = randomUUID();
		const deviceId = randomUUID();
		const identity = createIdentity();
		const device = createDeviceKeys();
		const signature = signDevice(identity.secretKey, { userId, deviceId, signingKey: device.signing.publicKey, boxKey: device.box.publicKey });
		return { index, userId, deviceId, identity, device, signature };
	});
}

export interface ChatBenchDatabase {
	clinic: TestClinic;
	/** userId → session cookie header. */
	cookies: Map<string, string>;
	drop(): Promise<void>;
}

/** A fresh PostgreSQL database: the demo clinic plus every benchmark person as a nurse with a session and a signed device. */
export async function createChatBenchDatabase(people: BenchPerson[]): Promise<ChatBenchDatabase> {
	const clinic = await createTestClinic({ patientCount: 12 });
	try {
		const { db } = clinic.database;
		// Never used to sign in: the benchmark's sessions are made here.
		const passwordHash = 'bench:no-sign-in';
		await insertInBatches(
			db,
			users,
			people.map((p) => ({ id: p.userId, email: `bench.nurse.${p.index}@bench.example`, displayName: `Bench Nurse ${p.index}`, passwordHash, role: 'nurse' as const }))
		);
		const cookies = new Map<string, string>();
		const sessionRows = people.map((p) => {
			const token = generateSessionToken();
			cookies.set(p.userId, `${sessionCookieName}=${token}`);
			return { id: sessionIdFromToken(token), userId: p.userId, expiresAt: new Date(Date.now() + 24 * 3600_000) };
		});
		await insertInBatches(db, sessions, sessionRows);
		await insertInBatches(db, chatIdentities, people.map((p) => ({ userId: p.userId, identityKey: p.identity.publicKey })));
		await insertInBatches(
			db,
			chatDevices,
			people.map((p) => ({ id: p.deviceId, userId: p.userId, signingKey: p.device.signing.publicKey, boxKey: p.device.box.publicKey, signature: p.signature, label: 'bench' }))
		);
		return { clinic, cookies, drop: () => clinic.drop() };
	} catch (error) {
		await clinic.drop();
		throw error;
	}
}
