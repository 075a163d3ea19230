/**
 * Offline copies of collaborative documents, kept in IndexedDB so that edits made without a
 * connection survive a reload and sync when the connection returns. They hold patient data on
 * what may be a shared workstation, so each is named after its user and all are deleted at
 * sign-out (and when the server refuses the document).
 */
const prefix = 'clinicsync:';
/** Names of copies this browser made, for browsers that cannot list IndexedDB databases. */
const registryKey = 'clinicsync:offline-copies';

/**
 * What the open documents of this tab report, without this module importing them (the sign-out
 * button sits on every page; Yjs and the provider load only where a document is opened).
 */
interface OpenDocumentsHooks {
	unsyncedChanges(): number;
	closeAll(): void;
}
let openDocuments: OpenDocumentsHooks | null = null;

export function registerOpenDocuments(hooks: OpenDocumentsHooks): void {
	openDocuments = hooks;
}

/** Edits not yet confirmed by the server, over every document open in this tab. */
export function unsyncedChangesInTab(): number {
	return openDocuments?.unsyncedChanges() ?? 0;
}

/**
 * Sign-out: closes every open document and the tab's connection, then deletes the offline
 * copies from this browser — of `userId`, or of everyone when no user is named (a shared
 * workstation should keep no one's patient data).
 */
export async function clearOfflineCopies(userId?: string): Promise<void> {
	openDocuments?.closeAll();
	await deleteOfflineCopies(userId);
}

export function offlineCopyName(userId: string, documentName: string): string {
	return `${prefix}${userId}:${documentName}`;
}

export function rememberOfflineCopy(name: string): void {
	try {
		const names = readRegistry();
		if (!names.includes(name)) localStorage.setItem(registryKey, JSON.stringify([...names, name]));
	} catch {
		// Storage may be disabled; indexedDB.databases() still finds the copies.
	}
}

/** Deletes the copies of one user, or of everyone when no user is named. */
export async function deleteOfflineCopies(userId?: string): Promise<void> {
	const wanted = userId ? `${prefix}${userId}:` : prefix;
	const names = new Set(readRegistry());
	if (typeof indexedDB !== 'undefined' && typeof indexedDB.databases === 'function') {
		for (const database of await indexedDB.databases().catch(() => [])) if (database.name) names.add(database.name);
	}
	const doomed = [...names].filter((name) => name.startsWith(wanted) && name !== registryKey);
	await Promise.all(doomed.map(deleteDatabase));
	try {
		const left = readRegistry().filter((name) => !doomed.includes(name));
		if (left.length === 0) localStorage.removeItem(registryKey);
		else localStorage.setItem(registryKey, JSON.stringify(left));
	} catch {
		// Nothing to tidy.
	}
}

export function deleteDatabase(name: string): Promise<void> {
	return new Promise((resolve) => {
		if (typeof indexedDB === 'undefined') return resolve();
		const request = indexedDB.deleteDatabase(name);
		request.onsuccess = () => resolve();
		request.onerror = () => resolve();
		// Another tab still has it open: the deletion completes when that tab lets go.
		request.onblocked = () => resolve();
	});
}

function readRegistry(): string[] {
	try {
		const parsed: unknown = JSON.parse(localStorage.getItem(registryKey) ?? '[]');
		return Array.isArray(parsed) ? parsed.filter((name): name is string => typeof name === 'string') : [];
	} catch {
		return [];
	}
}
