import { describe, expect, it } from 'vitest';
import { deriveSaveState, type SaveInputs } from './save-state';

const settled: SaveInputs = {
	refused: false,
	online: true,
	socket: 'connected',
	synced: true,
	everSynced: true,
	unsyncedChanges: 0,
	storageDegraded: false
};

describe('deriveSaveState', () => {
	it('says saved when the server has confirmed every edit', () => {
		expect(deriveSaveState(settled)).toBe('saved');
	});

	it('says saving while edits wait for the server’s confirmation', () => {
		expect(deriveSaveState({ ...settled, unsyncedChanges: 2 })).toBe('saving');
	});

	it('says not saved when the server cannot reach its database and edits are unconfirmed', () => {
		expect(deriveSaveState({ ...settled, unsyncedChanges: 1, storageDegraded: true })).toBe('not-saved');
		// Everything confirmed is durable, whatever the database does now.
		expect(deriveSaveState({ ...settled, storageDegraded: true })).toBe('saved');
	});

	it('says offline when the browser is offline, even if the socket has not noticed yet', () => {
		expect(deriveSaveState({ ...settled, online: false, unsyncedChanges: 3 })).toBe('offline');
	});

	it('says offline when the socket dropped, and while it tries to reconnect', () => {
		expect(deriveSaveState({ ...settled, socket: 'disconnected', synced: false })).toBe('offline');
		expect(deriveSaveState({ ...settled, socket: 'connecting', synced: false })).toBe('offline');
	});

	it('says connecting only for the first connection of the page', () => {
		const fresh = { ...settled, synced: false, everSynced: false };
		expect(deriveSaveState({ ...fresh, socket: 'connecting' })).toBe('connecting');
		expect(deriveSaveState(fresh)).toBe('connecting');
	});

	it('says refused above everything else', () => {
		expect(deriveSaveState({ ...settled, refused: true, online: false })).toBe('refused');
	});
});
