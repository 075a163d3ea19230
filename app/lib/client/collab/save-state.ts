/**
 * What the status line says about a collaborative document, decided from what the provider
 * reports. Kept apart from the provider so the rules can be read and tested in one place.
 */
export type SaveState = 'connecting' | 'saved' | 'saving' | 'offline' | 'not-saved' | 'refused';

export type SocketStatus = 'connecting' | 'connected' | 'disconnected';

export interface SaveInputs {
	/** The server refused or closed this document (a reason is shown). */
	refused: boolean;
	/** `navigator.onLine`: false is certain, true only means "maybe". */
	online: boolean;
	socket: SocketStatus;
	/** The first sync handshake of the current connection completed. */
	synced: boolean;
	/** This document has completed a sync handshake at least once since it was opened. */
	everSynced: boolean;
	/** Edits the server has not yet confirmed as durable. */
	unsyncedChanges: number;
	/** The server said its durable log cannot reach the database right now. */
	storageDegraded: boolean;
}

export function deriveSaveState(inputs: SaveInputs): SaveState {
	if (inputs.refused) return 'refused';
	if (!inputs.online || inputs.socket === 'disconnected') return 'offline';
	// A reconnect attempt after a drop is still offline for the person editing; only the very
	// first connection of the page reads as "connecting".
	if (inputs.socket === 'connecting') return inputs.everSynced ? 'offline' : 'connecting';
	if (!inputs.synced && !inputs.everSynced) return 'connecting';
	if (inputs.unsyncedChanges > 0) return inputs.storageDegraded ? 'not-saved' : 'saving';
	return 'saved';
}
