import * as Y from 'yjs';
import type { CollabDocumentKind } from './document-names';

/**
 * The root parts each kind of document may have, and how each is shaped: a `map` root holds
 * keyed entries (Y.Map), a `sequence` root holds ordered content (Y.XmlFragment, Y.Array).
 */
export type RootLayout = 'map' | 'sequence';

export const documentRoots = {
	chart: { problems: 'map', allergies: 'map', medications: 'map', sections: 'map' },
	note: { default: 'sequence', meta: 'map' },
	plan: { meta: 'map', goals: 'map', interventions: 'map', medicationSchedule: 'map', reviewDates: 'sequence' },
	annotations: { annotations: 'map' }
} as const satisfies Record<CollabDocumentKind, Record<string, RootLayout>>;

export function rootLayout(kind: CollabDocumentKind, name: string): RootLayout | null {
	const roots: Record<string, RootLayout> = documentRoots[kind];
	return Object.hasOwn(roots, name) ? (roots[name] ?? null) : null;
}

/** Whether a root holds anything not deleted (an emptied part is as good as an absent one). */
export function rootHasLiveContent(type: Y.AbstractType<any>): boolean {
	for (const item of type._map.values()) if (!item.deleted) return true;
	for (let item = type._start; item !== null; item = item.right) if (!item.deleted) return true;
	return false;
}
