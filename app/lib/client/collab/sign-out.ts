import type { SubmitFunction } from '@sveltejs/kit';
import { clearChatDevice } from '../chat/clear-device';
import { clearOfflineCopies, unsyncedChangesInTab } from './offline-copies';

/**
 * The sign-out form's submit step: the offline copies of collaborative documents hold patient
 * data, and the next person at a shared workstation must not find them. Every copy in this
 * browser goes (the layouts know no user id, and no one else's copy should outlive a sign-out
 * here either). Edits the server has not confirmed would go with them, so ask first. Secure
 * messaging keys and the local message index go too (clearChatDevice).
 */
export const signOutClearingOfflineCopies: SubmitFunction = async ({ cancel }) => {
	const waiting = unsyncedChangesInTab();
	if (waiting > 0) {
		const changes = waiting === 1 ? '1 change has' : `${waiting} changes have`;
		if (!confirm(`${changes} not reached the server yet. Signing out deletes them from this device. Sign out anyway?`)) {
			cancel();
			return;
		}
	}
	await Promise.all([clearOfflineCopies(), clearChatDevice()]);
};
