import { HocuspocusProvider } from '@hocuspocus/provider';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import { online } from 'svelte/reactivity/window';
import { closeCollabConnection, collabConnection } from './collab-connection';
import { deleteDatabase, offlineCopyName, registerOpenDocuments, rememberOfflineCopy } from './offline-copies';
import { deriveSaveState, type SaveState, type SocketStatus } from './save-state';

export type { SaveState } from './save-state';

/** Someone else in the document now. Identity comes from the server, which stamps it. */
export interface CollabPeer {
	clientId: number;
	userId: string;
	name: string;
	role: string;
	color: string;
	/** The part they are editing, e.g. 'allergies'; null when only looking. */
	editing: string | null;
}

export interface OpenCollabDocumentOptions {
	/** The signed-in user: names the offline copy, so one person's copy is never another's. */
	userId: string;
}

/** Hocuspocus' reason (ResetConnection) when it unloads a document: come back, not refused. */
const transientCloseReason = 'Reset Connection';

/** How long to wait for the offline copy before connecting without it (a broken IndexedDB). */
const offlineCopyTimeoutMs = 2_000;

/**
 * How long a document stays open after its last user lets go. Hocuspocus routes messages on the
 * tab's one websocket by document name, so a provider closed and a new one opened at once for
 * the same name (a component remounting, a page reloading its data) would receive the server's
 * answer to the old one's close and take it as a refusal. Kept open a moment, a quick reopen
 * takes the same instance and no close is sent at all.
 */
const lingerAfterLastUseMs = 3_000;

/**
 * One collaborative document in this tab: the Y.Doc, its provider on the tab's shared
 * websocket, its offline copy, and what the page shows about it (save state, read-only,
 * refusal, who else is here), as runes the page can read.
 *
 * Opening the same document twice in a tab returns the same instance; each `destroy()` gives
 * back one use, and the document closes a moment after the last one (see lingerAfterLastUseMs).
 */
export class CollabDocument {
	readonly name: string;
	readonly doc: Y.Doc;
	readonly provider: HocuspocusProvider;

	unsyncedChanges = $state(0);
	readOnly = $state(false);
	error = $state<string | null>(null);
	peers = $state<CollabPeer[]>([]);

	#socket = $state<SocketStatus>('connecting');
	#synced = $state(false);
	#everSynced = $state(false);
	#storageDegraded = $state(false);

	saveState: SaveState = $derived(
		deriveSaveState({
			refused: this.error !== null,
			online: online.current ?? true,
			socket: this.#socket,
			synced: this.#synced,
			everSynced: this.#everSynced,
			unsyncedChanges: this.unsyncedChanges,
			storageDegraded: this.#storageDegraded
		})
	);

	#persistence: IndexeddbPersistence | null = null;
	#rejoinDelayMs = 0;
	#rejoinTimer: ReturnType<typeof setTimeout> | undefined;
	#offlineCopy: string;
	#uses = 1;
	#destroyed = false;
	#lingerTimer: ReturnType<typeof setTimeout> | undefined;
	#resolveSynced!: () => void;
	#synchronised = new Promise<void>((resolve) => (this.#resolveSynced = resolve));

	constructor(name: string, options: OpenCollabDocumentOptions) {
		this.name = name;
		this.doc = new Y.Doc();
		this.#offlineCopy = offlineCopyName(options.userId, name);

		const socket = collabConnection();
		this.#socket = socket.status as SocketStatus;
		this.provider = new HocuspocusProvider({
			name,
			document: this.doc,
			websocketProvider: socket,
			// The session cookie of the upgrade authenticates; Hocuspocus still wants a token.
			token: 'session'
		});
		// A fresh awareness state has clock 0, which other clients ignore (they only take a newer
		// clock), so an editor who never focuses anything would stay invisible. Writing a field
		// makes it clock 1; the server adds who this is.
		this.provider.setAwarenessField('editing', null);
		this.#listen();
		void this.#attachAfterOfflineCopy();
	}

	whenSynced(): Promise<void> {
		return this.#synchronised;
	}

	/** Tells the others which part this person is editing ('allergies'), or null. */
	setEditing(part: string | null): void {
		if (this.#destroyed || !this.provider.awareness) return;
		if ((this.provider.awareness.getLocalState()?.editing ?? null) === part) return;
		this.provider.setAwarenessField('editing', part);
	}

	/** Gives back one use; the last closes the document after a moment unless it is opened again. */
	destroy(): void {
		if (this.#destroyed || this.#uses === 0) return;
		this.#uses -= 1;
		if (this.#uses > 0) return;
		this.#lingerTimer = setTimeout(() => this.close(), lingerAfterLastUseMs);
	}

	/** Closes the document now, whoever still uses it (sign-out, idle logoff). */
	close(): void {
		if (this.#destroyed) return;
		this.#destroyed = true;
		this.#uses = 0;
		clearTimeout(this.#lingerTimer);
		clearTimeout(this.#rejoinTimer);
		if (openDocuments.get(this.name) === this) openDocuments.delete(this.name);
		this.provider.destroy();
		void this.#persistence?.destroy();
		this.doc.destroy();
	}

	/** @internal openCollabDocument hands out the open instance again. */
	retain(): this {
		clearTimeout(this.#lingerTimer);
		this.#uses += 1;
		return this;
	}

	/**
	 * Loads the offline copy first, then joins the server: the first sync then sends only what
	 * the server lacks, and loading the copy does not count as unsynced edits (whether the
	 * server has them is unknown until it answers, and its handshake settles that).
	 */
	async #attachAfterOfflineCopy(): Promise<void> {
		try {
			this.#persistence = new IndexeddbPersistence(this.#offlineCopy, this.doc);
			rememberOfflineCopy(this.#offlineCopy);
			await Promise.race([this.#persistence.whenSynced, new Promise((resolve) => setTimeout(resolve, offlineCopyTimeoutMs))]);
		} catch {
			// No IndexedDB (a locked-down browser): edit online only.
		}
		if (this.#destroyed) return;
		this.provider.unsyncedChanges = 0;
		this.unsyncedChanges = 0;
		this.#socket = this.provider.configuration.websocketProvider.status as SocketStatus;
		this.provider.attach();
	}

	#listen(): void {
		const { provider } = this;
		provider.on('status', ({ status }: { status: SocketStatus }) => {
			this.#socket = status;
			if (status !== 'connected') this.#synced = false;
		});
		provider.on('synced', () => {
			this.#rejoinDelayMs = 0;
			this.#synced = true;
			this.#everSynced = true;
			this.#resolveSynced();
		});
		provider.on('unsyncedChanges', ({ number }: { number: number }) => {
			this.unsyncedChanges = number;
		});
		provider.on('authenticated', ({ scope }: { scope: string }) => {
			this.readOnly = scope === 'readonly' || scope === 'read-only';
		});
		provider.on('authenticationFailed', ({ reason }: { reason: string }) => {
			this.#refuse(reason);
		});
		provider.on('close', ({ event }: { event: { code: number; reason: string } }) => {
			// The shared socket closing arrives as a DOM CloseEvent (a network drop: offline, not
			// refused). The server closing only this document arrives as a plain message.
			if (typeof Event !== 'undefined' && event instanceof Event) return;
			if (event.reason === transientCloseReason) this.#rejoinLater();
			else this.#refuse(event.reason);
		});
		provider.on('stateless', ({ payload }: { payload: string }) => {
			const message = parseStorageMessage(payload);
			if (message) this.#storageDegraded = message.state === 'degraded';
		});
		provider.awareness?.on('change', () => {
			this.peers = peersOf(provider.awareness!.getStates(), this.doc.clientID);
		});
	}

	/**
	 * Hocuspocus closes a document with "Reset Connection" when it unloads it (a failed load, a
	 * shutdown): not a refusal, so join again — after a growing pause, in case it keeps failing.
	 */
	#rejoinLater(): void {
		this.#synced = false;
		this.#rejoinDelayMs = Math.min(Math.max(this.#rejoinDelayMs * 2, 500), 10_000);
		clearTimeout(this.#rejoinTimer);
		this.#rejoinTimer = setTimeout(() => {
			if (this.#destroyed || this.error !== null) return;
			// What the provider does when the socket opens: authenticate this document, then sync.
			// (Detaching and attaching again would send a close the server answers with another.)
			this.provider.isAuthenticated = false;
			void this.provider.sendToken().then(() => this.provider.startSync());
		}, this.#rejoinDelayMs);
	}

	/**
	 * The server refused the document or closed it (access ended, session ended, an update it
	 * would not accept). The offline copy goes too: it may hold data the person may no longer
	 * see, or the very update the server refused, which a reload would only send again.
	 */
	#refuse(reason: string): void {
		this.error = plainReason(reason);
		this.peers = [];
		const persistence = this.#persistence;
		this.#persistence = null;
		void (persistence ? persistence.clearData() : deleteDatabase(this.#offlineCopy));
	}
}

const openDocuments = new Map<string, CollabDocument>();

/** Opens a collaborative document on the tab's shared connection (see CollabDocument). */
export function openCollabDocument(name: string, options: OpenCollabDocumentOptions): CollabDocument {
	const open = openDocuments.get(name);
	if (open) return open.retain();
	const document = new CollabDocument(name, options);
	openDocuments.set(name, document);
	return document;
}

registerOpenDocuments({
	unsyncedChanges: () => [...openDocuments.values()].reduce((total, document) => total + document.unsyncedChanges, 0),
	closeAll() {
		for (const document of [...openDocuments.values()]) document.close();
		closeCollabConnection();
	}
});

export { clearOfflineCopies, unsyncedChangesInTab } from './offline-copies';

function peersOf(states: Map<number, Record<string, unknown>>, ownClientId: number): CollabPeer[] {
	const peers: CollabPeer[] = [];
	for (const [clientId, state] of states) {
		if (clientId === ownClientId) continue;
		const user = state.user as Partial<Record<'id' | 'name' | 'role' | 'color', unknown>> | undefined;
		// Only identities the server stamped; a state without one has not been through it yet.
		if (!user || typeof user.id !== 'string' || typeof user.name !== 'string') continue;
		peers.push({
			clientId,
			userId: user.id,
			name: user.name,
			role: typeof user.role === 'string' ? user.role : '',
			color: typeof user.color === 'string' ? user.color : '#4a5968',
			editing: typeof state.editing === 'string' ? state.editing : null
		});
	}
	return peers.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId);
}

function parseStorageMessage(payload: string): { state: 'ok' | 'degraded' } | null {
	try {
		const message: unknown = JSON.parse(payload);
		if (typeof message !== 'object' || message === null) return null;
		const { type, state } = message as { type?: unknown; state?: unknown };
		return type === 'storage' && (state === 'ok' || state === 'degraded') ? { state } : null;
	} catch {
		return null;
	}
}

/** Hocuspocus' bare close words ("Forbidden") say nothing to a clinician. */
function plainReason(reason: string): string {
	const trimmed = reason.trim();
	if (trimmed === '' || trimmed === 'Forbidden' || trimmed === 'permission-denied') return 'The server did not let you open this document.';
	if (trimmed === 'Unauthorized') return 'Your session has ended. Sign in again to keep editing.';
	return trimmed;
}
