/**
 * This device's chat secrets at rest. Everything private (device keys, the identity and backup
 * secret keys, room keys, replay marks, pinned identity keys, the search index) is encrypted
 * with AES-GCM under a non-extractable WebCrypto key kept in the same IndexedDB database: script
 * on the page can use it but not read it out, and a copy of the database files alone does not
 * open the records. Each record's name is its additional data, so a record moved to another
 * name (another session's slot, another user's database) fails to open instead of being used.
 *
 * One database per user and browser; sign-out deletes them all (clearChatStorage).
 */
import type { RoomKeyRecord } from './session-types';

const databasePrefix = 'clinicsync-chat:';
/** Names of chat databases this browser made, for browsers that cannot list IndexedDB databases. */
const registryKey = 'clinicsync-chat:databases';
const recordStore = 'records';
const wrappingStore = 'wrapping';
const wrappingKeyName = 'aes-gcm';
const recordVersion = 'clinicsync-chat-record-v1';

/** What a record is stored as: never the plaintext. */
export interface SealedRecord {
	iv: Uint8Array;
	data: ArrayBuffer;
}

/** Where sealed records live: IndexedDB in the browser, a Map in unit tests. */
export interface RecordBackend {
	get(name: string): Promise<SealedRecord | undefined>;
	put(name: string, record: SealedRecord): Promise<void>;
	delete(name: string): Promise<void>;
	names(prefix: string): Promise<string[]>;
	close(): void;
}

export interface DeviceRecord {
	deviceId: string;
	userId: string;
	signing: { publicKey: string; secretKey: string };
	box: { publicKey: string; secretKey: string };
	/** Signed by the identity key (set up, restored or approved); false while awaiting approval. */
	signed: boolean;
	label: string;
}

export interface IdentityRecord {
	publicKey: string;
	secretKey: string;
}

export interface BackupKeyRecord {
	publicKey: string;
	secretKey: string;
}

/** My sending session in one conversation (OutboundSession.export() plus what it was shared with). */
export interface OutboundRecord {
	conversationId: string;
	sessionId: string;
	exported: string;
	keyEpoch: number;
	/** Device ids the room key was boxed to. */
	sharedWith: string[];
	createdAt: number;
	messageCount: number;
}

/** The first identity key seen for a person (TOFU), and a different one seen since. */
export interface TrustRecord {
	userId: string;
	identityKey: string;
	verified: boolean;
	/** A key other than the pinned one, seen since: warn until the person re-verifies. */
	changedTo: string | null;
}

/** (sessionId, index) → messageId of the message first seen there. */
export type SeenRecord = Record<string, string>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ChatKeyStore {
	readonly #backend: RecordBackend;
	readonly #key: CryptoKey;
	readonly #cache = new Map<string, unknown>();

	constructor(backend: RecordBackend, wrappingKey: CryptoKey) {
		this.#backend = backend;
		this.#key = wrappingKey;
	}

	async get<T>(name: string): Promise<T | null> {
		if (this.#cache.has(name)) return structuredClone(this.#cache.get(name)) as T;
		const sealed = await this.#backend.get(name);
		if (!sealed) return null;
		const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv as BufferSource, additionalData: aad(name) }, this.#key, sealed.data);
		const value = JSON.parse(decoder.decode(plain)) as T;
		this.#cache.set(name, value);
		return structuredClone(value);
	}

	async put(name: string, value: unknown): Promise<void> {
		const iv = crypto.getRandomValues(new Uint8Array(12));
		const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(name) }, this.#key, encoder.encode(JSON.stringify(value)));
		await this.#backend.put(name, { iv, data });
		this.#cache.set(name, structuredClone(value));
	}

	async delete(name: string): Promise<void> {
		this.#cache.delete(name);
		await this.#backend.delete(name);
	}

	async list<T>(prefix: string): Promise<{ name: string; value: T }[]> {
		const names = await this.#backend.names(prefix);
		const out: { name: string; value: T }[] = [];
		for (const name of names) {
			const value = await this.get<T>(name);
			if (value !== null) out.push({ name, value });
		}
		return out;
	}

	/** Another tab of this browser wrote the record: read it again from the database. */
	forget(name: string): void {
		this.#cache.delete(name);
	}

	close(): void {
		this.#cache.clear();
		this.#backend.close();
	}

	// ── typed records ────────────────────────────────────────────────────────────────
	device = () => this.get<DeviceRecord>('device');
	setDevice = (device: DeviceRecord) => this.put('device', device);
	identity = () => this.get<IdentityRecord>('identity');
	setIdentity = (identity: IdentityRecord) => this.put('identity', identity);
	backupKey = () => this.get<BackupKeyRecord>('backup');
	setBackupKey = (backup: BackupKeyRecord) => this.put('backup', backup);
	inboxCursor = async () => (await this.get<number>('inbox-cursor')) ?? 0;
	setInboxCursor = (id: number) => this.put('inbox-cursor', id);
	inbound = (sessionId: string) => this.get<RoomKeyRecord>(`inbound:${sessionId}`);
	setInbound = (record: RoomKeyRecord) => this.put(`inbound:${record.sessionId}`, record);
	outbound = (conversationId: string) => this.get<OutboundRecord>(`outbound:${conversationId}`);
	setOutbound = (record: OutboundRecord) => this.put(`outbound:${record.conversationId}`, record);
	deleteOutbound = (conversationId: string) => this.delete(`outbound:${conversationId}`);
	seen = async (sessionId: string) => (await this.get<SeenRecord>(`seen:${sessionId}`)) ?? {};
	setSeen = (sessionId: string, marks: SeenRecord) => this.put(`seen:${sessionId}`, marks);
	trust = (userId: string) => this.get<TrustRecord>(`trust:${userId}`);
	setTrust = (record: TrustRecord) => this.put(`trust:${record.userId}`, record);
	allTrust = () => this.list<TrustRecord>('trust:');
}

function aad(name: string): Uint8Array<ArrayBuffer> {
	return encoder.encode(`${recordVersion}\n${name}`);
}

/** A fresh AES-GCM key that script can use but never export. */
export function generateWrappingKey(): Promise<CryptoKey> {
	return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

export function chatDatabaseName(userId: string): string {
	return `${databasePrefix}${userId}`;
}

/** Opens (or creates) the user's chat database and its wrapping key. Browser only. */
export async function openKeyStore(userId: string): Promise<ChatKeyStore> {
	const name = chatDatabaseName(userId);
	rememberDatabase(name);
	const db = await openDatabase(name);
	let key = await idbGet<CryptoKey>(db, wrappingStore, wrappingKeyName);
	if (!key) {
		const fresh = await generateWrappingKey();
		// Two tabs may race here: the first key written wins and both use it.
		key = await idbPutIfAbsent(db, wrappingStore, wrappingKeyName, fresh);
	}
	return new ChatKeyStore(indexedDbBackend(db), key);
}

function openDatabase(name: string): Promise<IDBDatabase> {
	return new Promise((resolve, reject) => {
		const request = indexedDB.open(name, 1);
		request.onupgradeneeded = () => {
			const db = request.result;
			if (!db.objectStoreNames.contains(recordStore)) db.createObjectStore(recordStore);
			if (!db.objectStoreNames.contains(wrappingStore)) db.createObjectStore(wrappingStore);
		};
		request.onsuccess = () => {
			const db = request.result;
			// A sign-out in another tab deletes the database: let it go at once.
			db.onversionchange = () => db.close();
			resolve(db);
		};
		request.onerror = () => reject(request.error ?? new Error('Could not open the secure messaging storage of this browser.'));
		request.onblocked = () => reject(new Error('Secure messaging storage is busy in another tab; close it and try again.'));
	});
}

function idbRequest<T>(request: IDBRequest<T>): Promise<T> {
	return new Promise((resolve, reject) => {
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error ?? new Error('Secure messaging storage failed.'));
	});
}

function idbGet<T>(db: IDBDatabase, store: string, key: string): Promise<T | undefined> {
	return idbRequest(db.transaction(store, 'readonly').objectStore(store).get(key) as IDBRequest<T | undefined>);
}

function idbPutIfAbsent<T>(db: IDBDatabase, store: string, key: string, value: T): Promise<T> {
	return new Promise((resolve, reject) => {
		const tx = db.transaction(store, 'readwrite');
		const objects = tx.objectStore(store);
		let result = value;
		const existing = objects.get(key);
		existing.onsuccess = () => {
			if (existing.result) result = existing.result as T;
			else objects.put(value, key);
		};
		tx.oncomplete = () => resolve(result);
		tx.onerror = () => reject(tx.error ?? new Error('Secure messaging storage failed.'));
	});
}

function indexedDbBackend(db: IDBDatabase): RecordBackend {
	return {
		get: (name) => idbGet<SealedRecord>(db, recordStore, name),
		put: async (name, record) => {
			await new Promise<void>((resolve, reject) => {
				const tx = db.transaction(recordStore, 'readwrite');
				tx.objectStore(recordStore).put(record, name);
				tx.oncomplete = () => resolve();
				tx.onerror = () => reject(tx.error ?? new Error('Secure messaging storage failed.'));
				tx.onabort = () => reject(tx.error ?? new Error('Secure messaging storage is full.'));
			});
		},
		delete: async (name) => {
			await idbRequest(db.transaction(recordStore, 'readwrite').objectStore(recordStore).delete(name));
		},
		names: async (prefix) => {
			const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
			const keys = await idbRequest(db.transaction(recordStore, 'readonly').objectStore(recordStore).getAllKeys(range));
			return keys.map(String);
		},
		close: () => db.close()
	};
}

/** For unit tests and for a browser without IndexedDB (nothing then outlives the tab). */
export function memoryBackend(): RecordBackend & { raw: Map<string, SealedRecord> } {
	const raw = new Map<string, SealedRecord>();
	return {
		raw,
		get: async (name) => raw.get(name),
		put: async (name, record) => void raw.set(name, record),
		delete: async (name) => void raw.delete(name),
		names: async (prefix) => [...raw.keys()].filter((name) => name.startsWith(prefix)).sort(),
		close: () => {}
	};
}

function rememberDatabase(name: string): void {
	try {
		const names = readRegistry();
		if (!names.includes(name)) localStorage.setItem(registryKey, JSON.stringify([...names, name]));
	} catch {
		// Storage may be disabled; indexedDB.databases() still finds the database.
	}
}

function readRegistry(): string[] {
	try {
		const parsed: unknown = JSON.parse(localStorage.getItem(registryKey) ?? '[]');
		return Array.isArray(parsed) ? parsed.filter((name): name is string => typeof name === 'string') : [];
	} catch {
		return [];
	}
}

/** Deletes one user's chat database (this device was revoked or its identity replaced). */
export function deleteChatDatabase(userId: string): Promise<void> {
	return new Promise((resolve) => {
		if (typeof indexedDB === 'undefined') return resolve();
		const request = indexedDB.deleteDatabase(chatDatabaseName(userId));
		request.onsuccess = () => resolve();
		request.onerror = () => resolve();
		request.onblocked = () => resolve();
	});
}

export function userIdOfDatabase(name: string): string | null {
	return name.startsWith(databasePrefix) && name !== registryKey ? name.slice(databasePrefix.length) : null;
}

/** Every chat database of this browser (the registry, and what IndexedDB lists where it can). */
export async function chatDatabaseNames(): Promise<string[]> {
	if (typeof indexedDB === 'undefined') return [];
	const names = new Set(readRegistry());
	if (typeof indexedDB.databases === 'function') {
		for (const database of await indexedDB.databases().catch(() => [])) if (database.name?.startsWith(databasePrefix)) names.add(database.name);
	}
	return [...names].filter((name) => name !== registryKey);
}

/** Deletes every chat database of this browser (every user's: a shared workstation keeps none). */
export async function clearChatStorage(): Promise<void> {
	if (typeof indexedDB === 'undefined') return;
	const names = await chatDatabaseNames();
	await Promise.all(
		names.map(
			(name) =>
				new Promise<void>((resolve) => {
					const request = indexedDB.deleteDatabase(name);
					request.onsuccess = () => resolve();
					request.onerror = () => resolve();
					// Another tab still holds it: its onversionchange closes it and the deletion completes.
					request.onblocked = () => resolve();
				})
		)
	);
	try {
		localStorage.removeItem(registryKey);
	} catch {
		// Nothing to tidy.
	}
}
