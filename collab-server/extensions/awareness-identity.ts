import type { Extension, beforeHandleAwarenessPayload } from '@hocuspocus/server';
import type { CollabContext } from '../context';

/** A stable colour per person, so their avatar and caret look the same to everyone. */
export function colorForUser(userId: string): string {
	let hash = 0;
	for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
	// Hues at 60 % lightness would fail contrast with white text; 35 % passes.
	return `hsl(${hash % 360} 70% 35%)`;
}

/**
 * Presence cannot be spoofed: whatever a client puts in its awareness state, the `user` field
 * other people see (name, role, colour — avatars, "Dr. X is editing Allergies", caret labels)
 * is the signed-in actor of the connection it came from.
 */
export class AwarenessIdentityExtension implements Extension {
	priority = 500;

	async beforeHandleAwareness({ context, states }: beforeHandleAwarenessPayload<CollabContext>): Promise<void> {
		const actor = context?.actor;
		if (!actor) return;
		const user = { id: actor.userId, name: actor.displayName, role: actor.role, color: colorForUser(actor.userId) };
		for (const [clientId, state] of states) {
			// A null state is a client leaving; keep it so everyone drops its avatar.
			if (state && typeof state === 'object') states.set(clientId, { ...state, user });
		}
	}
}
