/**
 * Benchmark editors: the real client library of each server, one websocket per editor (one
 * person, one tab): @hocuspocus/provider for ours and bare Hocuspocus, y-websocket's
 * WebsocketProvider for the reference server.
 */
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { WebsocketProvider } from 'y-websocket';
import { cookieWebSocket } from '../../collab-server/testing/collab-client';
import { noteFragment } from '../../collab-server/testing/note-paragraphs';
import type { BenchServer } from './server-handle';

export interface BenchEditor {
	readonly doc: Y.Doc;
	whenSynced(timeoutMs?: number): Promise<void>;
	/** Updates sent and not yet confirmed (Hocuspocus' SyncStatus); y-websocket confirms nothing. */
	readonly unconfirmed: number;
	/** Called once per confirmation the server sends. */
	onConfirmed(listener: () => void): void;
	destroy(): void;
}

class HocuspocusEditor implements BenchEditor {
	readonly doc = new Y.Doc();
	private readonly socket: HocuspocusProviderWebsocket;
	private readonly provider: HocuspocusProvider;
	private previous = 0;
	private readonly listeners: (() => void)[] = [];

	constructor(server: BenchServer, documentName: string, cookie: string | undefined) {
		this.socket = new HocuspocusProviderWebsocket({
			url: server.wsUrl,
			WebSocketPolyfill: cookie ? cookieWebSocket(cookie, server.httpUrl) : WebSocket,
			maxAttempts: 5
		});
		this.provider = new HocuspocusProvider({ websocketProvider: this.socket, name: documentName, document: this.doc });
		this.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
			if (number < this.previous) for (let i = number; i < this.previous; i++) for (const listener of this.listeners) listener();
			this.previous = number;
		});
		this.provider.attach();
	}

	get unconfirmed(): number {
		return this.provider.unsyncedChanges;
	}

	onConfirmed(listener: () => void): void {
		this.listeners.push(listener);
	}

	whenSynced(timeoutMs = 60_000): Promise<void> {
		if (this.provider.isSynced) return Promise.resolve();
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`${this.provider.configuration.name} did not sync`)), timeoutMs);
			const onSynced = () => {
				clearTimeout(timer);
				this.provider.off('synced', onSynced);
				resolve();
			};
			this.provider.on('synced', onSynced);
		});
	}

	destroy(): void {
		this.provider.destroy();
		this.socket.destroy();
		this.doc.destroy();
	}
}

class YWebsocketEditor implements BenchEditor {
	readonly doc = new Y.Doc();
	private readonly provider: WebsocketProvider;

	constructor(server: BenchServer, documentName: string) {
		this.provider = new WebsocketProvider(server.wsUrl, documentName, this.doc, {
			WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
			// In one Node process the BroadcastChannel would carry updates between editors
			// without the server: off, so every update goes through the server.
			disableBc: true
		});
	}

	get unconfirmed(): number {
		return 0;
	}

	onConfirmed(): void {}

	whenSynced(timeoutMs = 60_000): Promise<void> {
		if (this.provider.synced) return Promise.resolve();
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`${this.provider.roomname} did not sync`)), timeoutMs);
			const onSync = (synced: boolean) => {
				if (!synced) return;
				clearTimeout(timer);
				this.provider.off('sync', onSync);
				resolve();
			};
			this.provider.on('sync', onSync);
		});
	}

	destroy(): void {
		this.provider.destroy();
		this.doc.destroy();
	}
}

export function openEditor(server: BenchServer, documentName: string, cookie?: string): BenchEditor {
	return server.kind === 'y-websocket' ? new YWebsocketEditor(server, documentName) : new HocuspocusEditor(server, documentName, cookie);
}

/** Opens editors a batch at a time (a burst of thousands of upgrades measures the accept queue). */
export async function openEditors(server: BenchServer, documents: string[], cookie: string | undefined, batch = 50): Promise<BenchEditor[]> {
	const editors: BenchEditor[] = [];
	for (let i = 0; i < documents.length; i += batch) {
		const opened = documents.slice(i, i + batch).map((name) => openEditor(server, name, cookie));
		editors.push(...opened);
		await Promise.all(opened.map((e) => e.whenSynced()));
	}
	return editors;
}

/** Appends a paragraph whose text carries the send time (performance.now(), same process). */
export function sendStamped(editor: BenchEditor, label: string): void {
	const paragraph = new Y.XmlElement('paragraph');
	paragraph.insert(0, [new Y.XmlText(`${label}@${performance.now().toFixed(3)}`)]);
	const fragment = editor.doc.getXmlFragment(noteFragment);
	fragment.insert(fragment.length, [paragraph]);
}

/** Calls back with the latency of every stamped paragraph another editor wrote. */
export function observeStamped(editor: BenchEditor, onLatency: (ms: number) => void): void {
	editor.doc.getXmlFragment(noteFragment).observe((event) => {
		if (event.transaction.local) return;
		const now = performance.now();
		for (const item of event.changes.added) {
			for (const node of item.content.getContent()) {
				if (!(node instanceof Y.XmlElement)) continue;
				const text = node.toArray().map((child) => (child instanceof Y.XmlText ? child.toString() : '')).join('');
				const at = text.lastIndexOf('@');
				if (at >= 0) onLatency(now - Number(text.slice(at + 1)));
			}
		}
	});
}
