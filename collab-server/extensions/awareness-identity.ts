import type { Extension, beforeHandleAwarenessPayload } from '@hocuspocus/server';
import type { CollabContext } from '../context';

/**
 * A stable colour per person, so their avatar and caret look the same to everyone. Hex, because
 * Tiptap's caret takes only #rrggbb; dark (30 % lightness) so white text on it is readable for
 * most hues — components still pick black or white text by contrast.
 */
export function colorForUser(userId: string): string {
	let hash = 0;
	for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
	return hslToHex(hash % 360, 0.7, 0.3);
}

function hslToHex(hue: number, saturation: number, lightness: number): string {
	const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
	const channel = (n: number) => {
		const k = (n + hue / 30) % 12;
		const value = lightness - chroma / 2 * Math.max(-1, Math.min(k - 3, 9 - k, 1));
		return Math.round(value * 255).toString(16).padStart(2, '0');
	};
	return `#${channel(0)}${channel(8)}${channel(4)}`;
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
